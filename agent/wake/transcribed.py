"""A wake phrase of any words, verified by Whisper: at the start of each stretch of speech (found by Silero VAD)
Whisper is asked how likely the audio begins with the phrase: the phrase's tokens are forced as the first words
of the transcript, and its least likely token is the score. A free transcript would be the wrong question: tiny.en
writes a rushed "hey home" as "hey phone" or "head on" as often as not, while the forced phrase's weakest token
still has 0.012 or more (clean speech, every voice we tried), and everyday speech 0.0035 at most (four hours of
it). At 10 dB SNR some real phrases fall lower: waking at 0.006 rather than 0.01 hears 87.5 % of them instead of
81 % (espeak-ng and Piper voices, our dev commands), at the cost of a few more wakes on phrases that nearly are
the phrase ("hey who's home", "hey hon", "they hum along"). (An average of the tokens let "hey how warm is ..."
through: "Hey" is likely there, " home" about 0.001.)

This is how "hey home" works for anybody's voice without a model trained for it: the neural models of
`agent.wake.neural` are cheaper, but only for the phrases they were trained on. Whisper runs once per stretch
of speech (about 50 ms for 1.5 s of audio with tiny.en), never on silence. The phrase is looked for where speech
starts: people pause before they address the agent.
"""

from __future__ import annotations

import math
from collections import deque

from agent.asr.whisper_engine import Whisper
from agent.audio.frames import FRAME_BYTES, SAMPLE_RATE, SAMPLE_WIDTH
from agent.audio.vad import SileroVad
from agent.turn import WakeEvent

THRESHOLD = 0.006
"""Probability of the phrase's least likely token that wakes (see the module's docstring for what it is on and off
the phrase)."""
CHECK_S = 2.5
"""Speech after its onset that is transcribed: long enough for the phrase at a slow pace."""
PREROLL_S = 0.3
"""Audio kept from before Silero noticed speech (its 32 ms chunks decide a little late)."""
END_SILENCE_S = 0.3
"""Non-speech that ends a stretch shorter than `CHECK_S` (a phrase said alone, then a pause)."""
COOLDOWN_S = 2.0


class TranscribedWake:
    """Wakes on `phrase` at the start of a stretch of speech; the event's `at_s` is where the phrase ends."""

    def __init__(self, whisper: Whisper, phrase: str = "hey home") -> None:
        self.whisper = whisper
        self.phrase = phrase.lower().strip()
        self.vad = SileroVad()
        self.reset()

    def reset(self) -> None:
        self.vad.reset()
        self._preroll: deque[bytes] = deque(maxlen=max(1, round(PREROLL_S * SAMPLE_RATE * SAMPLE_WIDTH / FRAME_BYTES)))
        self._window = bytearray()
        self._window_start_s = 0.0
        self._quiet_s = 0.0
        self._checked = False
        self._stream_s = 0.0
        self._quiet_until = -math.inf

    def feed(self, pcm: bytes) -> WakeEvent | None:
        start_s = self._stream_s
        self._stream_s += len(pcm) / (SAMPLE_RATE * SAMPLE_WIDTH)
        speech = self.vad.is_speech(pcm)
        if not self._window:
            if not speech:
                self._preroll.append(pcm)
                return None
            self._window = bytearray(b"".join(self._preroll))
            self._window_start_s = start_s - len(self._window) / (SAMPLE_RATE * SAMPLE_WIDTH)
            self._preroll.clear()
            self._checked = False
        self._window += pcm
        self._quiet_s = 0.0 if speech else self._quiet_s + len(pcm) / (SAMPLE_RATE * SAMPLE_WIDTH)
        event = None
        if not self._checked and (self._quiet_s >= END_SILENCE_S or len(self._window) >= CHECK_S * SAMPLE_RATE * SAMPLE_WIDTH):
            self._checked = True
            event = self._check()
        if self._quiet_s >= END_SILENCE_S:
            self._window.clear()
        return event

    def _check(self) -> WakeEvent | None:
        score, end_s = self.whisper.says_first(bytes(self._window), self.phrase)
        at_s = self._window_start_s + end_s
        if score < THRESHOLD or at_s < self._quiet_until:
            return None
        self._quiet_until = at_s + COOLDOWN_S
        return WakeEvent(self.phrase, round(score, 3), at_s=round(at_s, 2), began_s=round(self._window_start_s, 2))
