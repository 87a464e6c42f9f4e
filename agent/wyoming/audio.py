"""Audio that arrives over Wyoming (any rate, 8-32 bit, mono or stereo) in the agent's format, and the interface
of what consumes a request's audio (a transcription, a wake word detection)."""

from __future__ import annotations

from typing import Protocol

from wyoming.audio import AudioChunk, AudioChunkConverter
from wyoming.event import Event

from agent.audio.frames import SAMPLE_RATE, SAMPLE_WIDTH


class AudioStream(Protocol):
    """What a request's audio goes to, from its `audio-start` to its `audio-stop`."""

    async def chunk(self, pcm: bytes, timestamp: int | None) -> list[Event]:
        """Take 16 kHz mono int16 audio (timestamp: the client's, in ms); the events to answer with now."""
        ...

    async def stop(self) -> list[Event]:
        """The audio ended: the events that answer the request."""
        ...


class ToAgentAudio:
    """Converts one stream's chunks to 16 kHz mono int16 (resampling keeps state from chunk to chunk)."""

    def __init__(self) -> None:
        self._converter = AudioChunkConverter(rate=SAMPLE_RATE, width=SAMPLE_WIDTH, channels=1)

    def pcm(self, chunk: AudioChunk) -> bytes:
        """The chunk's samples in the agent's format; ValueError for audio this cannot be (not whole samples,
        more than two channels)."""
        frame = chunk.width * chunk.channels
        if chunk.width not in (1, 2, 3, 4) or chunk.channels not in (1, 2) or chunk.rate < 1000 or len(chunk.audio) % frame:
            raise ValueError(f"audio of {chunk.rate} Hz, {chunk.width} byte(s) a sample, {chunk.channels} "
                             f"channel(s) and {len(chunk.audio)} bytes cannot be read as audio")
        return self._converter.convert(chunk).audio
