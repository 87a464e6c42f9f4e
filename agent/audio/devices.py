"""Finding PortAudio devices by name or index, with errors that list what is there."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

from agent.audio.errors import AudioDeviceError

Kind = Literal["input", "output"]
DeviceSpec = str | int | None
"""A device index, a (part of a) device name, a numeric string, or None for the system default."""


@dataclass(frozen=True)
class AudioDevice:
    """One PortAudio device, as seen from one direction."""

    index: int
    name: str
    hostapi: str
    channels: int
    """Maximum channels in the direction asked for."""
    default_rate: float

    def __str__(self) -> str:
        return f"[{self.index}] {self.name} ({self.hostapi}, {self.channels} ch, {self.default_rate:.0f} Hz)"


def portaudio() -> ModuleType:
    """The sounddevice module; `AudioDeviceError` if the PortAudio library is missing."""
    try:
        import sounddevice
    except OSError as exc:
        raise AudioDeviceError(f"PortAudio is not available ({exc}); "
                               "install it with `apt-get install libportaudio2`") from exc
    module: ModuleType = sounddevice
    return module


def list_devices(kind: Kind) -> list[AudioDevice]:
    """Every device that can record (`input`) or play (`output`)."""
    return [_device(info, kind) for info in portaudio().query_devices() if info[f"max_{kind}_channels"] > 0]


def list_input_devices() -> list[AudioDevice]:
    """Every device that can record."""
    return list_devices("input")


def find_device(spec: DeviceSpec, kind: Kind) -> AudioDevice:
    """The device `spec` names (None: the default one); `AudioDeviceError` listing the devices otherwise."""
    sd = portaudio()
    if isinstance(spec, str) and spec.strip().isdigit():
        spec = int(spec)
    try:
        info = sd.query_devices(spec, kind)
    except (ValueError, sd.PortAudioError) as exc:
        available = list_devices(kind)
        listing = "; ".join(map(str, available)) if available else "none (is there a sound card, or an ALSA config?)"
        wanted = f"no default {kind} device" if spec is None else f"unknown {kind} device {spec!r}"
        raise AudioDeviceError(f"{wanted} ({exc}); available {kind} devices: {listing}") from exc
    return _device(info, kind)


def _device(info: dict[str, Any], kind: Kind) -> AudioDevice:
    """An `AudioDevice` from sounddevice's description of it."""
    hostapi = portaudio().query_hostapis(info["hostapi"])["name"]
    return AudioDevice(info["index"], info["name"], hostapi, info[f"max_{kind}_channels"], info["default_samplerate"])
