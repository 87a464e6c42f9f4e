"""Text to speech: pyttsx3 on espeak-ng (one worker thread), the espeak-ng command as fallback, and a null sink."""

from __future__ import annotations

import asyncio
import functools
import importlib
import itertools
import logging
import os
import shutil
import subprocess
import tempfile
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import pyttsx3

from agent.turn import Result, Speech

log = logging.getLogger(__name__)

DEFAULT_VOICE = "en-us"
"""espeak-ng voice: a language (`en-us`), an identifier (`gmw/en-us`) or a name (`English (America)`)."""
DEFAULT_RATE = 175
"""Speaking rate in words per minute."""
INSTALL_HINT = "apt-get install espeak-ng libespeak-ng1"

_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tts")
"""espeak is process-global and pyttsx3 is not thread-safe: every synthesis runs on this one thread."""


class TtsEngine(Protocol):
    """Anything that renders text to speech."""

    async def synthesize(self, text: str, path: Path) -> Speech: ...


class Pyttsx3Tts:
    """pyttsx3 with the espeak(-ng) driver, rendering WAV files; falls back to the espeak-ng command."""

    def __init__(self, voice: str | None = None, rate: int = DEFAULT_RATE) -> None:
        self.voice = voice or DEFAULT_VOICE
        self.rate = rate

    async def synthesize(self, text: str, path: Path) -> Speech:
        """Render `text` to the WAV file `path` on the TTS thread, without blocking the event loop."""
        duration = await asyncio.get_running_loop().run_in_executor(_WORKER, self._render, text, Path(path))
        return Speech(text, str(path), duration)

    def _render(self, text: str, path: Path) -> float:
        """Worker thread: write the WAV file and return its duration in seconds."""
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = _pyttsx3_engine()
        if engine is None:
            _espeak_command(text, path, self.voice, self.rate)
        else:
            engine.setProperty("voice", _voice_id(engine, self.voice))
            engine.setProperty("rate", self.rate)
            # espeak applies the rate asynchronously, and runAndWait cancels what espeak still has queued: settle first
            importlib.import_module("pyttsx3.drivers._espeak").Synchronize()
            engine.save_to_file(text, str(path))
            engine.runAndWait()
            if not path.is_file() or path.stat().st_size == 0:  # seen now and then after many renders
                log.warning("pyttsx3 wrote no audio for %r; rendering with the espeak-ng command", text[:40])
                _espeak_command(text, path, self.voice, self.rate)
        return wav_duration(path)


class NullTts:
    """A text sink: renders nothing, estimates how long speaking would take."""

    def __init__(self, rate: int = DEFAULT_RATE) -> None:
        self.rate = rate

    async def synthesize(self, text: str, path: Path | None = None) -> Speech:
        """The speech `text` would be, with no audio."""
        return Speech(text, None, speaking_s(text, self.rate))


def speaking_s(text: str, rate: int = DEFAULT_RATE) -> float:
    """About how long saying `text` takes at `rate` words per minute."""
    return len(text.split()) * 60 / rate


def tts_engine_for(kind: str, voice: str | None = None) -> TtsEngine:
    """The engine a configuration names: `pyttsx3` (espeak-ng), `piper` (neural) or `null`."""
    if kind == "piper":
        from agent.tts.piper_engine import PiperTts

        return PiperTts(voice)
    return Pyttsx3Tts(voice=voice) if kind == "pyttsx3" else NullTts()


class TtsStage:
    """The tts stage: renders a response to `out_dir/<turn id>.wav` (a counter when there is no turn id)."""

    def __init__(self, engine: TtsEngine, out_dir: Path | None = None) -> None:
        self.engine = engine
        self.out_dir = out_dir or Path(tempfile.gettempdir()) / f"ambient-tts-{os.getpid()}"
        self._counter = itertools.count(1)

    async def process(self, response: str | Result, ctx: object) -> Speech:
        """Speak a response (text, or a skill's Result) for the turn `ctx` (anything with an optional `turn_id`)."""
        text = response.speech if isinstance(response, Result) else response
        name = getattr(ctx, "turn_id", None) or str(next(self._counter))
        return await self.engine.synthesize(text, self.out_dir / f"{name}.wav")


def wav_duration(path: Path) -> float:
    """Length of a WAV file in seconds."""
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


@functools.cache
def _pyttsx3_engine() -> Any:
    """The process's pyttsx3 espeak engine, or None (logged once) when its driver cannot load."""
    try:
        engine = pyttsx3.init("espeak")
    except Exception as exc:
        if shutil.which("espeak-ng") is None:
            raise RuntimeError(
                f"text to speech needs espeak-ng: pyttsx3's espeak driver failed ({exc}) "
                f"and the espeak-ng command is missing; install it with `{INSTALL_HINT}`"
            ) from exc
        log.warning("pyttsx3's espeak driver cannot load (%s); using the espeak-ng command instead", exc)
        return None
    importlib.import_module("pyttsx3.drivers.espeak").print = _driver_print  # type: ignore[attr-defined]  # no stubs
    return engine


def _voice_id(engine: Any, wanted: str) -> str:
    """The espeak voice identifier matching `wanted` (identifier, language or name)."""
    key = wanted.lower()
    for voice in engine.getProperty("voices"):
        if key in (voice.id, voice.name.lower(), *voice.languages):
            return str(voice.id)
    raise ValueError(f"unknown espeak-ng voice {wanted!r}; `espeak-ng --voices` lists them")


def _espeak_command(text: str, path: Path, voice: str, rate: int) -> None:
    """Render with the espeak-ng command line program."""
    result = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(path), "--stdin"],
        input=text, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"espeak-ng failed for voice {voice!r}: {result.stderr.strip()}")


def _driver_print(*args: object, **_kwargs: object) -> None:
    """pyttsx3's espeak driver print()s "Audio saved to ..." on stdout, which would corrupt `--json` output."""
    log.debug(" ".join(map(str, args)))
