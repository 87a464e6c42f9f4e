"""Sample-rate conversion (polyphase, scipy): whole signals, and a stream converted block by block."""

from __future__ import annotations

import math
from typing import overload

import numpy as np


def _ratio(from_rate: int, to_rate: int) -> tuple[int, int]:
    """(up, down) in lowest terms."""
    if from_rate <= 0 or to_rate <= 0:
        raise ValueError(f"sample rates must be positive, got {from_rate} -> {to_rate}")
    divisor = math.gcd(int(from_rate), int(to_rate))
    return int(to_rate) // divisor, int(from_rate) // divisor


def _polyphase(samples: np.ndarray, up: int, down: int) -> np.ndarray:
    """scipy's polyphase resampling along the first axis, imported on first use: scipy.signal takes about a
    second to import and text turns never resample."""
    from scipy.signal import resample_poly

    resampled: np.ndarray = resample_poly(samples, up, down, axis=0)
    return resampled


def _to_int16(samples: np.ndarray) -> np.ndarray:
    clipped: np.ndarray = np.clip(np.rint(samples), -32768, 32767).astype(np.int16)
    return clipped


@overload
def resample(pcm: bytes, from_rate: int, to_rate: int) -> bytes: ...
@overload
def resample(pcm: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray: ...
def resample(pcm: bytes | np.ndarray, from_rate: int, to_rate: int) -> bytes | np.ndarray:
    """Resample int16 little-endian PCM bytes (to bytes) or an array along its first axis (to the same dtype)."""
    if isinstance(pcm, bytes | bytearray | memoryview):
        return resample(np.frombuffer(pcm, dtype="<i2"), from_rate, to_rate).astype("<i2").tobytes()
    up, down = _ratio(from_rate, to_rate)
    if up == down or len(pcm) == 0:
        return pcm.copy()
    converted = _polyphase(pcm.astype(np.float64), up, down)
    return _to_int16(converted) if pcm.dtype.kind in "iu" else converted.astype(pcm.dtype)


class StreamResampler:
    """Resamples a mono int16 stream block by block, giving the same samples as `resample` on the whole stream.

    Each call converts what the filter can see in full; the rest (a few ms) waits for the next block.
    """

    def __init__(self, from_rate: int, to_rate: int) -> None:
        self.up, self.down = _ratio(from_rate, to_rate)
        # input samples on each side that resample_poly's default filter spans
        reach = math.ceil(10 * max(self.up, self.down) / self.up) + 1
        self._context = self.down * math.ceil(reach / self.down)
        self._pending = np.zeros(self._context, dtype=np.float64)

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Feed int16 samples; return the int16 samples now complete (possibly none)."""
        if self.up == self.down:
            return samples.astype(np.int16)
        self._pending = np.concatenate([self._pending, samples.astype(np.float64)])
        usable = (len(self._pending) - 2 * self._context) // self.down * self.down
        if usable <= 0:
            return np.zeros(0, dtype=np.int16)
        window = self._pending[: usable + 2 * self._context]
        converted = _polyphase(window, self.up, self.down)
        first = self._context * self.up // self.down
        out = converted[first : first + usable * self.up // self.down]
        self._pending = self._pending[usable:]
        return _to_int16(out)
