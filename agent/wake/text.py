"""Wake phrase detection in text mode (typed or scripted turns)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from agent.turn import WakeEvent

if TYPE_CHECKING:
    from agent.context import TurnContext

WAKE_THRESHOLD = 90.0
"""Typos of the phrase ("hey hom", "hey homme") wake; "the home team ..." (87.5 against "hey home") does not."""


class TextWake:
    """Looks for the wake phrase at the start of the text; `required=False` treats every turn as addressed."""

    def __init__(self, phrase: str = "hey home", required: bool = True) -> None:
        self.phrase = phrase.lower().strip()
        self.required = required

    async def process(self, text: str | WakeEvent, ctx: TurnContext | None = None) -> WakeEvent | None:
        if isinstance(text, WakeEvent):  # a wake word engine heard it in the audio (`agent.voice`)
            return text
        words = re.sub(r"[^\w\s']", " ", text.lower()).split()
        n = len(self.phrase.split())
        head = " ".join(words[:n])
        score = fuzz.ratio(head, self.phrase) / 100 if words else 0.0
        if score * 100 >= WAKE_THRESHOLD:
            return WakeEvent(self.phrase, score, " ".join(words[n:]))
        if not self.required:
            return WakeEvent(self.phrase, 1.0, " ".join(words))
        return None
