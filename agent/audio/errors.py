"""What goes wrong with audio: a file that is not usable audio, a device that is missing or gone."""

from __future__ import annotations


class AudioFormatError(ValueError):
    """A file is unreadable, not a WAV file, or in an encoding we do not decode; the message names the file."""


class AudioDeviceError(RuntimeError):
    """An audio device cannot be opened or went away; the message says which and what is available."""
