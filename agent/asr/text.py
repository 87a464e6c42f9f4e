"""Text mode ASR: the words after the wake phrase, with full confidence."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from agent.turn import Transcript, WakeEvent

if TYPE_CHECKING:
    from agent.context import TurnContext

log = logging.getLogger(__name__)
MAX_WORDS = 60
"""A typed request longer than this is cut: nobody says more in one request, and parsing and matching time
grows faster than the length (a thousand words took 12 s)."""


class TextAsr:
    """Passes typed or scripted text through unchanged (cut to `MAX_WORDS`)."""

    async def process(self, wake: WakeEvent, ctx: TurnContext | None = None) -> Transcript:
        return Transcript(kept_words(wake.remainder), 1.0)


def kept_words(text: str) -> str:
    """`text` cut to its first `MAX_WORDS` words (saying so), else as it is."""
    words = text.split()
    if len(words) > MAX_WORDS:
        log.warning("a request of %d words was cut to its first %d", len(words), MAX_WORDS)
        return " ".join(words[:MAX_WORDS])
    return text.strip()
