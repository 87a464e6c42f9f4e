"""The audio format every stage speaks: 16 kHz mono signed 16-bit little-endian, in short frames."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Protocol

SAMPLE_RATE = 16_000
SAMPLE_WIDTH = 2
FRAME_MS = 30
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000
FRAME_BYTES = FRAME_SAMPLES * SAMPLE_WIDTH


@dataclass(frozen=True)
class AudioFrame:
    """`FRAME_MS` of audio."""

    pcm: bytes
    """FRAME_BYTES of 16 kHz mono int16 little-endian samples."""
    start_s: float
    """Offset of the first sample from the start of the stream, in seconds."""


def split_frames(pcm: bytes) -> Iterator[bytes]:
    """`pcm` cut into FRAME_BYTES pieces, the last one zero-padded."""
    for offset in range(0, len(pcm), FRAME_BYTES):
        yield pcm[offset : offset + FRAME_BYTES].ljust(FRAME_BYTES, b"\0")


class RequestAudio:
    """The frames of one spoken request, from the voice loop to the recognizer: the loop `put`s frames while the
    request is `listening`, the recognizer `stop`s listening at the request's end, and `end` says the input ended."""

    def __init__(self) -> None:
        self._frames: asyncio.Queue[AudioFrame | None] = asyncio.Queue()
        self.listening = True
        self.deciding = False
        """Whether the request is over is being decided (it paused mid-phrase?): frames are kept for it meanwhile,
        and a recording read faster than real time waits."""

    def put(self, frame: AudioFrame) -> None:
        self._frames.put_nowait(frame)

    def end(self) -> None:
        self._frames.put_nowait(None)

    async def get(self) -> AudioFrame | None:
        """The next frame; None when the input ended."""
        return await self._frames.get()

    def stop(self) -> None:
        """The request is over: later frames go back to the wake engine."""
        self.listening = False


class AudioSource(Protocol):
    """Anything that yields frames: a microphone, a WAV file, the simulator."""

    def frames(self) -> AsyncIterator[AudioFrame]: ...
