"""The NLU stage: the trained spaCy model applied to the (possibly rewritten) request."""

from __future__ import annotations

import dataclasses
from typing import Any

from agent.nlu.model import NluModel
from agent.turn import Intent, Rewrite


class NluStage:
    """Intent and slots for the request text, and for each of the recognizer's alternatives."""

    def __init__(self, model: NluModel) -> None:
        self.model = model

    async def process(self, request: Rewrite, ctx: Any = None) -> Intent:
        best, *others = self.model.parse_many([request.text, *request.alternatives])
        return dataclasses.replace(best, alternatives=tuple(
            dataclasses.replace(intent, hypothesis=n) for n, intent in enumerate(others, 1)))
