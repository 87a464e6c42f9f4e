"""Synthesized users: espeak-ng speech in several voices and speeds, and Piper's neural voice (noise:
agent.audio.noise)."""

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
PIPER = "piper"
"""The voice name of Piper's bundled neural voice (en_US joe)."""
NATURAL_SPEED = 165
"""Words per minute Piper speaks at its own pace (length scale 1)."""


@dataclass(frozen=True)
class Voice:
    """How one simulated user sounds."""

    name: str
    """espeak-ng voice (language plus optional +variant), or `PIPER`."""
    speed: int = 165
    """Words per minute."""


def voice_for(user: str, index: int = 0, voices: tuple[str, ...] = VOICES, speeds: tuple[int, ...] = SPEEDS) -> Voice:
    """A stable voice per user, with the speed varying from utterance to utterance."""
    digest = int(hashlib.sha256(user.encode()).hexdigest(), 16)
    return Voice(voices[digest % len(voices)], speeds[(digest // 7 + index) % len(speeds)])


@lru_cache(maxsize=2048)
def synthesize(text: str, voice: Voice) -> np.ndarray:
    """16 kHz mono int16 speech for `text` (espeak-ng and Piper render 22.05 kHz; resampled)."""
    if voice.name == PIPER:
        from agent.tts.piper_engine import speak

        spoken, rate = speak(text, length_scale=NATURAL_SPEED / voice.speed)
        return np.clip(resample(spoken.astype(np.float64), rate, SAMPLE_RATE), -32768, 32767).astype(np.int16)
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
