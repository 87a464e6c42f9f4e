"""Push-to-talk: no wake word. Every stretch of speech (Silero VAD) is a request, as when a button is held or a
recording holds one request; the event comes at the onset, a little before it, so no word is cut."""

from __future__ import annotations

from agent.audio.frames import SAMPLE_RATE, SAMPLE_WIDTH
from agent.audio.vad import SileroVad
from agent.turn import WakeEvent

LEAD_S = 0.3
"""The request's audio starts this long before Silero noticed speech (it decides a chunk or two late)."""
ONSET_CHUNKS = 2
"""Speech chunks in a row that make an onset (a click or a cough is one)."""


class SpeechOnset:
    """A wake engine that wakes at the start of any speech."""

    phrase = ""

    def __init__(self) -> None:
        self.vad = SileroVad()
        self.reset()

    def reset(self) -> None:
        self.vad.reset()
        self._stream_s = 0.0
        self._run = 0

    def feed(self, pcm: bytes) -> WakeEvent | None:
        self._stream_s += len(pcm) / (SAMPLE_RATE * SAMPLE_WIDTH)
        self._run = self._run + 1 if self.vad.is_speech(pcm) else 0
        if self._run < ONSET_CHUNKS:
            return None
        self._run = 0
        return WakeEvent("", 1.0, at_s=round(max(0.0, self._stream_s - (ONSET_CHUNKS * len(pcm) / (SAMPLE_RATE * SAMPLE_WIDTH)) - LEAD_S), 2))
