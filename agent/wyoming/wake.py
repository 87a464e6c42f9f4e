"""Wyoming `wake`: `detect`, then a stream of audio -> a `detection` each time a wake word is heard, and
`not-detected` if none was when the stream ends.

The wake words are the neural models the wheels ship (microWakeWord's okay nabu, hey jarvis, hey mycroft and
alexa; openWakeWord's hey rhasspy) and the agent's own "hey home" on the pocketsphinx spotter. Each stream gets
engines of its own, so clients never share a model's state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from wyoming.error import Error
from wyoming.event import Event
from wyoming.wake import Detect, Detection, NotDetected

from agent.audio.frames import FRAME_BYTES, SAMPLE_RATE, SAMPLE_WIDTH
from agent.wake.engine import WakeEngine
from agent.wake.neural import MICRO_WORDS, OPEN_WORDS, neural_wake, phrase_of


def _hey_home() -> WakeEngine:
    from agent.wake.pocketsphinx_engine import PocketsphinxWake

    return PocketsphinxWake("hey home")


@dataclass(frozen=True)
class WakeWord:
    """One wake word a client may ask for: its model name (what Home Assistant shows) and phrase."""

    name: str
    phrase: str
    engine: Callable[[], WakeEngine]
    source: str
    """Who made the model (or its file), for `describe`."""


WAKE_WORDS: dict[str, WakeWord] = {
    **{name: WakeWord(name, phrase_of(name), partial(neural_wake, name),
                      "microWakeWord" if name in MICRO_WORDS else "openWakeWord") for name in OPEN_WORDS},
    "hey_home": WakeWord("hey_home", "hey home", _hey_home, "ambient (pocketsphinx)"),
}


class WakeService:
    """Makes a detection for each `detect`; `default` when the client names no wake word: one of `WAKE_WORDS`, or
    a model file of one's own (microWakeWord .json, openWakeWord .tflite), served under its file's name."""

    def __init__(self, default: str) -> None:
        self.words = dict(WAKE_WORDS)
        if default not in self.words:
            own = Path(default).expanduser()
            if own.suffix not in (".json", ".tflite"):
                raise ValueError(f"no wake word {default!r} to serve: choose one of {', '.join(WAKE_WORDS)}, or a "
                                 "model file (microWakeWord .json, openWakeWord .tflite)")
            if not own.is_file():
                raise ValueError(f"no wake word model file {str(own)!r}")
            self.words[own.stem] = WakeWord(own.stem, phrase_of(own.stem), partial(neural_wake, str(own)), str(own))
            default = own.stem
        self.default = default

    def detection(self, request: Detect) -> Detecting | Error:
        """The stream that will answer `request`, or why it cannot be answered."""
        names = request.names or [self.default]
        unknown = [n for n in names if n not in self.words]
        if unknown:
            return Error(f"no wake word {', '.join(unknown)} here: choose from {', '.join(self.words)}",
                         "unknown-wake-word")
        return Detecting([self.words[n] for n in dict.fromkeys(names)], request.context)


class Detecting:
    """One stream, fed to each wanted wake word's engine in the agent's frames."""

    def __init__(self, words: list[WakeWord], context: dict[str, object] | None) -> None:
        self.words = words
        self.engines: list[tuple[str, WakeEngine]] = []
        """Made with the first audio, off the event loop (a spotter takes a moment to load)."""
        self.context = context
        self.detected = 0
        self._pending = b""
        self._samples = 0

    async def chunk(self, pcm: bytes, timestamp: int | None) -> list[Event]:
        return await asyncio.to_thread(self._feed, pcm, timestamp)  # a spotter's decode would hold up other clients

    async def stop(self) -> list[Event]:
        return [] if self.detected else [NotDetected(context=self.context).event()]

    def _feed(self, pcm: bytes, timestamp: int | None) -> list[Event]:
        if not self.engines:
            self.engines = [(word.name, word.engine()) for word in self.words]
        audio, events = self._pending + pcm, []
        whole = len(audio) - len(audio) % FRAME_BYTES
        self._pending = audio[whole:]
        for start in range(0, whole, FRAME_BYTES):
            frame = audio[start:start + FRAME_BYTES]
            self._samples += FRAME_BYTES // SAMPLE_WIDTH
            for name, engine in self.engines:
                if engine.feed(frame) is not None:
                    engine.reset()
                    self.detected += 1
                    at_ms = timestamp if timestamp is not None else self._samples * 1000 // SAMPLE_RATE
                    events.append(Detection(name, at_ms, context=self.context).event())
        return events
