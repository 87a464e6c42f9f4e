"""Text mode ASR: the words after the wake phrase, with full confidence."""

from __future__ import annotations

from typing import Any

from agent.turn import Transcript, WakeEvent


class TextAsr:
    """Passes typed or scripted text through unchanged."""

    async def process(self, wake: WakeEvent, ctx: Any = None) -> Transcript:
        return Transcript(wake.remainder.strip(), 1.0)
