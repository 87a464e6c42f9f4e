"""Cutting a live stream into utterances, one per prompt: how enrollment records people reading phrases."""

from __future__ import annotations

from collections.abc import AsyncIterator

from agent.audio.endpoint import FINAL, Endpointer, EndpointEvent
from agent.audio.frames import SAMPLE_RATE, SAMPLE_WIDTH, AudioSource

PAD_S = 0.3
"""Audio kept either side of the speech (the recognizer expects a little silence around words)."""


async def utterances(source: AudioSource, endpointer: Endpointer | None = None,
                     pad_s: float = PAD_S) -> AsyncIterator[bytes | None]:
    """Successive utterances of `source` as 16 kHz int16 PCM: each from `pad_s` before its speech to `pad_s`
    after; None when nothing was said within the endpointer's timeout. Ends with the source."""
    endpointer = endpointer or Endpointer()
    per_s = SAMPLE_RATE * SAMPLE_WIDTH
    audio = bytearray()
    origin = 0.0
    """Offset of audio[0] in the endpointer's stream."""
    async for frame in source.frames():
        audio += frame.pcm
        event = endpointer.feed(frame.pcm)
        if event not in FINAL:
            continue
        if event is EndpointEvent.TIMEOUT or endpointer.speech_start_s is None or endpointer.speech_end_s is None:
            yield None
        else:
            start = max(0, round((endpointer.speech_start_s - pad_s - origin) * SAMPLE_RATE) * SAMPLE_WIDTH)
            end = round((endpointer.speech_end_s + pad_s - origin) * SAMPLE_RATE) * SAMPLE_WIDTH
            yield bytes(audio[start:min(end, len(audio))])
        keep = max(0, len(audio) - round(pad_s * per_s) // SAMPLE_WIDTH * SAMPLE_WIDTH)
        origin += keep / per_s
        del audio[:keep]
        endpointer.reset()
