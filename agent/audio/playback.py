"""Playing answers: to a sound device (interruptible at once), or to nothing on a clock (the simulator)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from agent.audio.devices import AudioDevice, DeviceSpec, find_device, portaudio
from agent.audio.errors import AudioDeviceError
from agent.audio.resample import resample
from agent.audio.wavfile import read_wav
from agent.clock import Clock, SystemClock
from agent.turn import Speech

log = logging.getLogger(__name__)


class Player(Protocol):
    """Plays speech; can be stopped at any moment (barge-in)."""

    @property
    def playing(self) -> bool:
        """Speech is being played now."""
        ...

    async def play(self, speech: Speech) -> bool:
        """Play `speech`; True if it played to the end, False if it was stopped."""
        ...

    def stop(self) -> float | None:
        """Stop playing now; ms from the call until the audio stopped, None if nothing was playing."""
        ...


@dataclass
class _Playback:
    """One `play` in progress."""

    stream: Any
    done: asyncio.Future[None]
    stopped: bool = False


class SoundDevicePlayer:
    """Plays WAV speech on a PortAudio output device; `stop` aborts the stream, dropping buffered audio."""

    def __init__(self, device: DeviceSpec = None, latency: float | str = "low") -> None:
        self.device: AudioDevice = find_device(device, "output")
        self.latency = latency
        """PortAudio output latency (seconds, or "low"/"high"); "low" keeps little audio queued behind a stop."""
        self._current: _Playback | None = None
        self._silent = NullPlayer(SystemClock())
        """Stands in for speech without audio (a text-only TTS)."""

    @property
    def playing(self) -> bool:
        return (self._current is not None and not self._current.done.done()) or self._silent.playing

    async def play(self, speech: Speech) -> bool:
        self.stop()
        if speech.path is None:
            return await self._silent.play(speech)
        samples, rate = self._playable(speech.path)
        sd = portaudio()
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        position = 0

        def callback(outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
            nonlocal position
            chunk = samples[position : position + frames]
            outdata[: len(chunk)] = chunk
            outdata[len(chunk) :] = 0
            position += frames
            if len(chunk) < frames:
                raise sd.CallbackStop

        def finished() -> None:
            with contextlib.suppress(RuntimeError):  # the loop is closed
                loop.call_soon_threadsafe(_resolve, done)

        try:
            stream = sd.OutputStream(device=self.device.index, samplerate=rate, channels=samples.shape[1],
                                     dtype="int16", callback=callback, finished_callback=finished, latency=self.latency)
        except sd.PortAudioError as exc:
            raise AudioDeviceError(f"cannot play on {self.device}: {exc}") from exc
        try:
            stream.start()
        except sd.PortAudioError as exc:
            stream.close()
            raise AudioDeviceError(f"cannot play on {self.device}: {exc}") from exc
        playback = self._current = _Playback(stream, done)
        try:
            await asyncio.shield(done)
        except asyncio.CancelledError:
            self.stop()
            raise
        finally:
            with contextlib.suppress(sd.PortAudioError):
                stream.close()
            if self._current is playback:
                self._current = None
        return not playback.stopped

    def stop(self) -> float | None:
        """Abort the stream (from the event loop thread); ms that `abort()` took, None if nothing was playing."""
        silent = self._silent.stop()
        playback = self._current
        if playback is None or playback.done.done() or playback.stopped:
            return silent
        playback.stopped = True
        began = time.perf_counter()
        with contextlib.suppress(portaudio().PortAudioError):
            playback.stream.abort()
        elapsed_ms = (time.perf_counter() - began) * 1000
        _resolve(playback.done)
        return elapsed_ms

    def _playable(self, path: str) -> tuple[np.ndarray, int]:
        """The WAV's int16 samples (frames, channels) and a rate the device takes (else mono at its default rate)."""
        wav = read_wav(path)
        samples = np.clip(np.rint(wav.samples * 32768), -32768, 32767).astype(np.int16)
        sd = portaudio()
        try:
            sd.check_output_settings(self.device.index, channels=wav.channels, dtype="int16", samplerate=wav.rate)
        except sd.PortAudioError:
            rate = int(self.device.default_rate)
            mono = samples.mean(axis=1, keepdims=True).astype(np.int16)
            return resample(mono, wav.rate, rate), rate
        return samples, wav.rate


def _resolve(done: asyncio.Future[None]) -> None:
    if not done.done():
        done.set_result(None)


@dataclass
class NullPlayer:
    """Plays nothing for as long as the speech lasts, on the given clock; stops instantly."""

    clock: Clock
    _stopping: asyncio.Future[None] | None = field(default=None, init=False, repr=False)

    @property
    def playing(self) -> bool:
        return self._stopping is not None

    async def play(self, speech: Speech) -> bool:
        self.stop()
        stopping = self._stopping = asyncio.get_running_loop().create_future()
        speaking = asyncio.ensure_future(self.clock.sleep(speech.duration_s))
        try:
            await asyncio.wait([speaking, stopping], return_when=asyncio.FIRST_COMPLETED)
        finally:
            speaking.cancel()
            if self._stopping is stopping:
                self._stopping = None
        return not stopping.done()

    def stop(self) -> float | None:
        stopping, self._stopping = self._stopping, None
        if stopping is None:
            return None
        _resolve(stopping)
        return 0.0


def open_player(device: DeviceSpec = None) -> Player:
    """The speaker `device`; with no device named and none available, a NullPlayer (with a warning)."""
    try:
        return SoundDevicePlayer(device)
    except AudioDeviceError as exc:
        if device is not None:
            raise
        log.warning("no speaker, answers will not be heard: %s", exc)
        return NullPlayer(SystemClock())
