"""Frame sources: a recording, PCM or samples in memory (the simulator), and the microphone."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np

from agent.audio.audiofile import read_audio
from agent.audio.devices import (
    AudioDevice,
    DeviceSpec,
    find_device,
    list_input_devices,
    portaudio,
)
from agent.audio.errors import AudioDeviceError, AudioFormatError
from agent.audio.frames import (
    FRAME_BYTES,
    FRAME_MS,
    SAMPLE_RATE,
    SAMPLE_WIDTH,
    AudioFrame,
    split_frames,
)
from agent.audio.resample import StreamResampler, resample

__all__ = ["ArraySource", "AudioDeviceError", "AudioFormatError", "FileSource", "MicSource", "PcmSource",
           "list_input_devices", "to_pcm16k"]

MIC_BUFFER_S = 10.0
"""Audio the microphone keeps while the consumer is busy; beyond that, new blocks are dropped."""


def to_pcm16k(samples: np.ndarray, rate: int) -> bytes:
    """Samples (int16, or float in [-1, 1]; shape (n,) or (n, channels)) to 16 kHz mono int16 PCM."""
    samples = np.asarray(samples)
    if samples.dtype.kind in "iu":
        info = np.iinfo(samples.dtype)
        scaled = (samples.astype(np.float64) - (info.max + info.min + 1) / 2) / ((info.max - info.min + 1) / 2)
    else:
        scaled = samples.astype(np.float64)
    mono = scaled.mean(axis=1) if scaled.ndim == 2 else scaled
    converted = resample(mono, rate, SAMPLE_RATE) if rate != SAMPLE_RATE else mono
    return np.clip(np.rint(converted * 32768), -32768, 32767).astype("<i2").tobytes()


async def _frames(pcm: bytes, realtime: bool = False) -> AsyncIterator[AudioFrame]:
    """`pcm` cut into frames, the last one zero-padded; paced at real speed when `realtime`."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    for index, frame in enumerate(split_frames(pcm)):
        if realtime:
            await asyncio.sleep(max(0.0, started + (index + 1) * FRAME_MS / 1000 - loop.time()))
        else:
            await asyncio.sleep(0)
        yield AudioFrame(frame, index * FRAME_MS / 1000)


class PcmSource:
    """Mono int16 little-endian PCM in memory, at any rate, as fast as it is read."""

    def __init__(self, pcm: bytes, rate: int = SAMPLE_RATE) -> None:
        if len(pcm) % SAMPLE_WIDTH:
            raise ValueError(f"PCM must be whole 16-bit samples, got {len(pcm)} bytes")
        self.pcm = pcm if rate == SAMPLE_RATE else resample(pcm, rate, SAMPLE_RATE)
        """16 kHz mono int16 PCM."""

    def frames(self) -> AsyncIterator[AudioFrame]:
        return _frames(self.pcm)


class ArraySource:
    """Samples in memory (int16 or float in [-1, 1], mono or (n, channels)), as fast as they are read."""

    def __init__(self, samples: np.ndarray, rate: int) -> None:
        self.pcm = to_pcm16k(samples, rate)
        """16 kHz mono int16 PCM."""

    def frames(self) -> AsyncIterator[AudioFrame]:
        return _frames(self.pcm)


class FileSource:
    """A recording as if spoken into the microphone: WAV of any PCM layout, or any format FFmpeg decodes;
    converted to 16 kHz mono."""

    def __init__(self, path: str | Path, realtime: bool = False, trailing_silence_s: float = 0.0) -> None:
        self.path = Path(path)
        wav = read_audio(self.path)
        self.source_rate = wav.rate
        self.source_channels = wav.channels
        self.pcm = to_pcm16k(wav.samples, wav.rate)
        """16 kHz mono int16 PCM of the whole file."""
        self.realtime = realtime
        """Pace frames at real speed, like a microphone."""
        self.trailing_silence_s = trailing_silence_s
        """Silence appended after the file, so an endpointer sees the speech end."""

    @property
    def duration_s(self) -> float:
        """Length of the file's audio (without the trailing silence)."""
        return len(self.pcm) / (SAMPLE_RATE * SAMPLE_WIDTH)

    def frames(self) -> AsyncIterator[AudioFrame]:
        silence = bytes(round(self.trailing_silence_s * SAMPLE_RATE) * SAMPLE_WIDTH)
        return _frames(self.pcm + silence, self.realtime)


class _Capture:
    """The bridge from PortAudio's callback thread to the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, limit: int) -> None:
        self.loop = loop
        self.limit = limit
        self.blocks: deque[bytes] = deque()
        self.wake = asyncio.Event()
        self.finished = False
        self.dropped = 0

    def on_block(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        """PortAudio thread: keep the block, or drop it when the consumer is `limit` blocks behind."""
        if len(self.blocks) >= self.limit:
            self.dropped += 1
            return
        self.blocks.append(bytes(indata))
        self._notify()

    def on_finished(self) -> None:
        """PortAudio thread: the stream stopped."""
        self.finished = True
        self._notify()

    def _notify(self) -> None:
        try:
            self.loop.call_soon_threadsafe(self.wake.set)
        except RuntimeError:  # the loop is closed: nobody is listening any more
            pass

    async def next_block(self, timeout_s: float) -> bytes | None:
        """The next block, None once the stream has stopped; TimeoutError if none comes in `timeout_s`."""
        while not self.blocks:
            if self.finished:
                return None
            self.wake.clear()
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that comes as a block
            # arrives (every 10 ms), and `listen` then went on after SIGTERM (about one run in forty)
            async with asyncio.timeout(timeout_s):
                await self.wake.wait()
        return self.blocks.popleft()


class MicSource:
    """A live microphone (PortAudio), opened at 16 kHz or at the device's own rate and resampled."""

    def __init__(self, device: DeviceSpec = None, rate: int | None = None, stall_s: float = 2.0) -> None:
        self.device: AudioDevice = find_device(device, "input")
        self.rate = rate or self._best_rate()
        """The rate the device is opened at."""
        self.stall_s = stall_s
        """With no audio for this long the device is considered gone."""
        self.dropped_blocks = 0
        """Blocks lost because the consumer fell more than MIC_BUFFER_S behind."""
        self._stream: Any = None

    def _best_rate(self) -> int:
        """16 kHz if the device takes it, else its default rate."""
        sd = portaudio()
        try:
            sd.check_input_settings(self.device.index, channels=1, dtype="int16", samplerate=SAMPLE_RATE)
        except sd.PortAudioError:
            return int(self.device.default_rate)
        return SAMPLE_RATE

    async def frames(self) -> AsyncIterator[AudioFrame]:
        """Frames until the consumer stops; `AudioDeviceError` if the device fails or vanishes."""
        sd = portaudio()
        capture = _Capture(asyncio.get_running_loop(), limit=round(MIC_BUFFER_S * 1000 / FRAME_MS))
        try:
            self._stream = sd.RawInputStream(
                device=self.device.index, samplerate=self.rate, channels=1, dtype="int16",
                blocksize=self.rate * FRAME_MS // 1000, callback=capture.on_block,
                finished_callback=capture.on_finished)
            self._stream.start()
        except sd.PortAudioError as exc:
            self._close()
            raise AudioDeviceError(f"cannot open microphone {self.device} at {self.rate} Hz: {exc}") from exc
        resampler = StreamResampler(self.rate, SAMPLE_RATE)
        pending = bytearray()
        index = 0
        try:
            while True:
                try:
                    block = await capture.next_block(self.stall_s)
                except TimeoutError:
                    raise AudioDeviceError(f"microphone {self.device} gave no audio for {self.stall_s:.1f} s "
                                           f"(stream {'active' if self._stream.active else 'stopped'})") from None
                if block is None:
                    raise AudioDeviceError(f"microphone {self.device} stopped delivering audio (unplugged or failed)")
                pending += resampler.process(np.frombuffer(block, dtype="<i2")).astype("<i2").tobytes()
                while len(pending) >= FRAME_BYTES:
                    yield AudioFrame(bytes(pending[:FRAME_BYTES]), index * FRAME_MS / 1000)
                    del pending[:FRAME_BYTES]
                    index += 1
                self.dropped_blocks = capture.dropped
        finally:
            self._close()

    def _close(self) -> None:
        """Stop and release the stream, if any; a device that is already gone may complain, which is ignored."""
        stream, self._stream = self._stream, None
        if stream is not None:
            with contextlib.suppress(portaudio().PortAudioError):
                stream.abort()
            with contextlib.suppress(portaudio().PortAudioError):
                stream.close()
