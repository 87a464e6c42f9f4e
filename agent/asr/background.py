"""Another voice after the speaker's: a television or a radio talking in the room is heard as more words of the
request ("stop the pasta timer in a news and a council approved"). Its words sit far under the speaker's own,
who is nearer the microphone: in our simulated living room, a TV 20 dB under the speaker, the speaker's words
aligned by Whisper peaked at -10 to -28 dBFS, the television's at -30 to -47."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agent.audio.frames import FRAME_MS, SAMPLE_RATE
from agent.audio.levels import rms_dbfs

BELOW_DB = 18.0
"""How far under the request's loudest word a word is another voice's."""
MIN_RUN = 2
"""Trailing quiet words dropped only two or more at a time: a speaker's last word alone can sit 21 dB under
("what day is it?")."""
FRAME_S = FRAME_MS / 1000


def word_level(samples: np.ndarray, start_s: float, end_s: float) -> float:
    """The loudest 30 ms of a word (dBFS)."""
    frame = round(FRAME_S * SAMPLE_RATE)
    first = int(start_s * SAMPLE_RATE)
    span = samples[first: max(int(end_s * SAMPLE_RATE), first + frame)]
    return max((rms_dbfs(span[i: i + frame]) for i in range(0, max(len(span) - frame, 0) + 1, frame // 2)),
               default=rms_dbfs(span))


def speaker_end(pcm: bytes, words: Sequence[tuple[float, float]], speaker_dbfs: float | None = None) -> float | None:
    """Where (s) the speaker's words end, when the last two or more of `words` (start, end in seconds) sit more
    than `BELOW_DB` under the loudest, or under `speaker_dbfs`: another voice's. None when every word may be the
    speaker's."""
    samples = np.frombuffer(pcm, dtype="<i2")
    words = [(start, end) for start, end in words if end - start >= FRAME_S]  # shorter: aligned to no sound (a
    # transcript Whisper wrote twice has its second copy so, after the words)
    levels = [word_level(samples, start, end) for start, end in words]
    if not levels:
        return None
    loudest = max(levels) if speaker_dbfs is None else max(*levels, speaker_dbfs)
    quiet = len(levels)
    while quiet > 0 and levels[quiet - 1] < loudest - BELOW_DB:  # all of them, under the speaker's wake phrase
        quiet -= 1
    return words[quiet][0] if len(levels) - quiet >= MIN_RUN else None
