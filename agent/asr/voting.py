"""Two recognizers, one request: Whisper's reading, with pocketsphinx's grammar as a second vote.

Whisper (free text, corrected onto the home's phrases) is far better on voices it has never heard; pocketsphinx,
held to the home's grammar, sometimes hears a command in noise where Whisper writes something no phrase of the
home is near ("cancel that" as "hands on that"). When pocketsphinx's grammar path is a phrase of the home it is
sure of, and not already one of Whisper's readings, it is offered as the last alternative: a later stage takes
it only when none of Whisper's readings fits the home (`resolve.resolve_best`), and an alternative is never
acted on for opening, unlocking or heating without a yes (`agent.dialogue.safety`).

Without enrollment pocketsphinx is rarely that sure (a clean "turn off the tv" in espeak-ng's en-us: 0.61), so
the vote seldom changes a turn; with a bar of 0.7 rather than 0.9, everyday talk on our development set began to
fit commands ("hey there how are you" heard as "is the oven off" at 0.78).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from agent.asr.correct import HomePhrases
from agent.asr.pocketsphinx_engine import PocketsphinxRecognizer
from agent.asr.whisper_engine import WhisperRecognizer
from agent.audio.frames import SAMPLE_RATE, SAMPLE_WIDTH
from agent.text import words_of
from agent.turn import Transcript

VOTE_BAR = 0.9
"""Confidence pocketsphinx's grammar path needs to be offered."""


class VotingRecognizer:
    """The `Recognizer` interface over Whisper and pocketsphinx's grammar. It corrects Whisper's transcripts onto
    the home's phrases itself (before the vote), so nothing after it does."""

    hears_prefix = True

    def __init__(self, whisper: WhisperRecognizer, grammar: PocketsphinxRecognizer, phrases: HomePhrases) -> None:
        self.whisper = whisper
        self.grammar = grammar
        self.phrases = phrases
        self.voted: Transcript | None = None
        """pocketsphinx's reading of the last request, whether or not it was offered."""
        self._free = False
        self._skip = 0
        """Bytes of the wake phrase still to keep from pocketsphinx, which hears the request alone."""

    def start(self, free: bool = False, prefix: str = "", prefix_s: float = 0.0, names: Sequence[str] = (),
              speaker_dbfs: float | None = None) -> None:
        self._free = free
        self.voted = None
        self._skip = int(prefix_s * SAMPLE_RATE) * SAMPLE_WIDTH if prefix else 0
        self.whisper.start(free, prefix, prefix_s, names, speaker_dbfs)
        self.grammar.start(free)

    def feed(self, pcm: bytes) -> str | None:
        self.whisper.feed(pcm)
        kept = pcm[self._skip:]
        self._skip -= len(pcm) - len(kept)
        if kept:
            self.grammar.feed(kept)
        return None

    def so_far(self) -> str | None:
        return self.whisper.so_far()

    def finish(self) -> Transcript:
        heard = self.whisper.finish()
        if self._free:  # an answer in the user's own words: no grammar to vote with
            return heard
        voted = self.voted = self.grammar.finish()
        corrected = self.phrases.correct(heard) if heard.text else heard
        final_ms = heard.final_ms + voted.final_ms
        offered = corrected.text and voted.text not in (corrected.text, *corrected.alternatives)
        if (offered and voted.engine == "pocketsphinx" and voted.confidence >= VOTE_BAR
                and self.phrases.says(words_of(voted.text))):
            return dataclasses.replace(corrected, alternatives=(*corrected.alternatives, voted.text),
                                       final_ms=final_ms, engine="whisper+pocketsphinx")
        return dataclasses.replace(corrected, final_ms=final_ms)
