"""The NLU stage: the trained spaCy model applied to the (possibly rewritten) request."""

from __future__ import annotations

from typing import Any

from agent.nlu.model import NluModel
from agent.turn import Intent, Rewrite


class NluStage:
    """Intent and slots for the request text."""

    def __init__(self, model: NluModel) -> None:
        self.model = model

    async def process(self, request: Rewrite, ctx: Any = None) -> Intent:
        return self.model.parse(request.text)
