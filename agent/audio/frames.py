"""The audio format every stage speaks: 16 kHz mono signed 16-bit little-endian, in short frames."""

from __future__ import annotations

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


class AudioSource(Protocol):
    """Anything that yields frames: a microphone, a WAV file, the simulator."""

    def frames(self) -> AsyncIterator[AudioFrame]: ...
