"""A living room for simulated speakers: the walls' reverberation, a television talking in the background, and a
microphone whose samples sit off zero (a DC offset). White noise (`agent.audio.noise`) is the other condition."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.signal import fftconvolve

from agent.audio.frames import SAMPLE_RATE
from agent.audio.noise import voiced_rms
from simulator.speech import Voice, silence, synthesize

TV_LINES = (
    "and now the weather for the weekend", "scattered showers moving in from the west by saturday",
    "in other news the council approved the new bridge", "stay with us after the break",
    "the home team scored twice in the second half", "tickets go on sale next monday",
    "this is the story of a family who moved to the coast", "i never thought i would see you again",
)
"""What the television says (its own lines: nothing a test command or the non-command set says)."""
TV_VOICES = ("en-gb-x-rp", "en-us+m3")


@dataclass(frozen=True)
class Room:
    """How a request sounds at the microphone of a lived-in room."""

    rt60_s: float = 0.5
    """Reverberation time: a furnished living room is 0.4-0.6 s."""
    direct_to_reverb_db: float = 9.0
    """The direct sound over the reverberant tail, for a speaker a metre or two away."""
    tv_below_db: float | None = 20.0
    """How far the television's speech sits under the speaker's (None: off)."""
    tv_pause_s: float = 0.3
    """The television's silence between its lines (0: it never pauses)."""
    dc_offset: float = 1000.0
    """Sample value the microphone's silence sits at (about -30 dBFS)."""

    @cached_property
    def tv(self) -> np.ndarray:
        """The television's talk, one line after another, as float samples whose voiced parts have an RMS of 1."""
        lines = [np.concatenate([synthesize(line, Voice(TV_VOICES[i % len(TV_VOICES)])), silence(self.tv_pause_s)])
                 for i, line in enumerate(TV_LINES)]
        talk = np.concatenate(lines).astype(np.float64)
        return talk / voiced_rms(talk)

    def impulse_response(self, rng: np.random.Generator) -> np.ndarray:
        """The direct sound, then exponentially decaying noise from 5 ms on (falling 60 dB in `rt60_s`)."""
        t = np.arange(int(SAMPLE_RATE * self.rt60_s * 1.2)) / SAMPLE_RATE
        tail = rng.normal(0.0, 1.0, t.size) * np.exp(-6.9 * t / self.rt60_s)
        tail[: int(0.005 * SAMPLE_RATE)] = 0.0
        response = tail * 10 ** (-self.direct_to_reverb_db / 20) / np.sqrt(np.sum(tail**2))
        response[0] = 1.0
        return response

    def heard(self, speech: np.ndarray, lead_s: float, tail_s: float, rng: np.random.Generator) -> np.ndarray:
        """int16 `speech` as the microphone hears it in this room, with `lead_s` and `tail_s` of the room before
        and after it."""
        wet = fftconvolve(speech.astype(np.float64), self.impulse_response(rng))
        wet *= np.abs(speech).max() / max(np.abs(wet).max(), 1.0)
        audio = np.concatenate([np.zeros(int(lead_s * SAMPLE_RATE)), wet, np.zeros(int(tail_s * SAMPLE_RATE))])
        if self.tv_below_db is not None:
            start = int(rng.integers(self.tv.size))
            talk = np.take(self.tv, np.arange(start, start + audio.size), mode="wrap")
            audio += talk * voiced_rms(speech) * 10 ** (-self.tv_below_db / 20)
        return np.clip(np.round(audio + self.dc_offset), -32768, 32767).astype(np.int16)
