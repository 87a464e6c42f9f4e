"""Wyoming `tts`: `synthesize` -> `audio-start`, `audio-chunk`s, `audio-stop`, in the agent's voices: Piper (the
bundled en_US joe, or the voice file configured) and espeak-ng's English voices."""

from __future__ import annotations

import json
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.tts import Synthesize

from agent.tts.engine import TtsEngine, tts_engine_for
from agent.tts.piper_engine import voice_path

ESPEAK_VOICES = {"en-us": "en_US", "en-gb": "en_GB"}
"""espeak-ng voices offered -> their language."""
CHUNK_SAMPLES = 1024


@dataclass(frozen=True)
class Voice:
    """One voice a client may ask for."""

    name: str
    language: str
    engine: str
    """`piper` or `pyttsx3` (espeak-ng), as `AgentConfig.tts` names them."""
    spec: str | None
    """The engine's own name for it (a Piper voice file, an espeak-ng voice)."""


def voices(piper_voice: str | None) -> list[Voice]:
    """The Piper voice first, then espeak-ng's."""
    path = voice_path(piper_voice)
    language = json.loads(Path(f"{path}.json").read_text(encoding="utf-8")).get("language", {}).get("code", "en")
    return [Voice(path.name.removesuffix(".onnx"), language, "piper", str(path)),
            *(Voice(name, language, "pyttsx3", name) for name, language in ESPEAK_VOICES.items())]


class TtsService:
    """Synthesizes with the voice asked for, else `default` (the first voice of `engine`)."""

    def __init__(self, engine: str, piper_voice: str | None = None) -> None:
        self.voices = voices(piper_voice)
        self.default = next(v for v in self.voices if v.engine == engine)
        self._engines: dict[str, TtsEngine] = {}
        self._dir = tempfile.TemporaryDirectory(prefix="ambient-wyoming-tts-")

    async def synthesize(self, request: Synthesize) -> list[Event]:
        wanted = request.voice.name if request.voice is not None else None
        voice = next((v for v in self.voices if v.name == wanted), None) if wanted else self.default
        if voice is None:
            return [Error(f"no voice {wanted!r} here: choose from {', '.join(v.name for v in self.voices)}",
                          "unknown-voice").event()]
        path = Path(self._dir.name) / f"{id(request)}.wav"
        try:
            await self._engine(voice).synthesize(request.text, path)
            with wave.open(str(path), "rb") as wav:
                rate, width, channels = wav.getframerate(), wav.getsampwidth(), wav.getnchannels()
                pcm = wav.readframes(wav.getnframes())
        finally:
            path.unlink(missing_ok=True)
        step = CHUNK_SAMPLES * width * channels
        return [AudioStart(rate, width, channels).event(),
                *(AudioChunk(rate, width, channels, pcm[i:i + step]).event() for i in range(0, len(pcm), step)),
                AudioStop().event()]

    def _engine(self, voice: Voice) -> TtsEngine:
        if voice.name not in self._engines:
            self._engines[voice.name] = tts_engine_for(voice.engine, voice.spec)
        return self._engines[voice.name]
