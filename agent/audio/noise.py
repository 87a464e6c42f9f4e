"""Noise at a chosen signal-to-noise ratio: for simulated users, and to make enrollment robust to noise."""

from __future__ import annotations

from typing import Literal

import numpy as np

Color = Literal["white", "pink"]


def voiced_rms(speech: np.ndarray) -> float:
    """RMS of the speech's voiced parts (samples above 5 % of its peak; 0 for silence)."""
    if not speech.any():
        return 0.0
    signal = speech.astype(np.float64)
    voiced = signal[np.abs(signal) > 0.05 * np.abs(signal).max()]
    return float(np.sqrt(np.mean(voiced ** 2)))


def noise_sigma(speech: np.ndarray, snr_db: float | None) -> float:
    """Standard deviation of noise that sits `snr_db` below the speech's voiced parts (0 for clean audio)."""
    return 0.0 if snr_db is None else voiced_rms(speech) / 10 ** (snr_db / 20)


def with_noise(samples: np.ndarray, sigma: float, rng: np.random.Generator, color: Color = "white") -> np.ndarray:
    """int16 `samples` plus noise of standard deviation `sigma`: white, or pink (power falling as 1/f)."""
    if sigma <= 0 or samples.size == 0:
        return samples
    noise = rng.normal(0.0, 1.0, samples.shape)
    if color == "pink":
        spectrum = np.fft.rfft(noise)
        spectrum /= np.sqrt(np.maximum(np.arange(spectrum.size), 1))
        noise = np.fft.irfft(spectrum, samples.size)
        noise /= noise.std() or 1.0
    noisy = samples.astype(np.float64) + sigma * noise
    return np.clip(noisy, -32768, 32767).astype(np.int16)
