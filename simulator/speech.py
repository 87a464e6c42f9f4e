"""Synthesized users: espeak-ng speech in several voices and speeds (noise: agent.audio.noise)."""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from agent.audio.frames import SAMPLE_RATE
from agent.audio.resample import resample

VOICES = ("en-us", "en-gb", "en-us+f3", "en-gb-scotland", "en-us+m7", "en-gb-x-rp")
SPEEDS = (145, 165, 185)


@dataclass(frozen=True)
class Voice:
    """How one simulated user sounds."""

    name: str
    """espeak-ng voice (language plus optional +variant)."""
    speed: int = 165
    """Words per minute."""


def voice_for(user: str, index: int = 0, voices: tuple[str, ...] = VOICES, speeds: tuple[int, ...] = SPEEDS) -> Voice:
    """A stable voice per user, with the speed varying from utterance to utterance."""
    digest = int(hashlib.sha256(user.encode()).hexdigest(), 16)
    return Voice(voices[digest % len(voices)], speeds[(digest // 7 + index) % len(speeds)])


@lru_cache(maxsize=2048)
def synthesize(text: str, voice: Voice) -> np.ndarray:
    """16 kHz mono int16 speech for `text` (espeak-ng renders 22.05 kHz; resampled)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", voice.name, "-s", str(voice.speed), "-w", str(path), text],
                       check=True, capture_output=True)
        with wave.open(str(path)) as wav:
            rate = wav.getframerate()
            samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16).astype(np.float64)
    return np.clip(resample(samples, rate, SAMPLE_RATE), -32768, 32767).astype(np.int16)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.int16)
