"""A wake phrase of any words, verified by Whisper: at the start of each stretch of speech (found by Silero VAD)
Whisper is asked how likely the audio begins with the phrase: the phrase's tokens are forced as the first words
of the transcript, and its least likely token is the score. A free transcript would be the wrong question: tiny.en
writes a rushed "hey home" as "hey phone" or "head on" as often as not, while the forced phrase's weakest token
still has 0.012 or more (clean speech, every voice we tried), and everyday speech 0.0035 at most (four hours of
it). At 10 dB SNR some real phrases fall lower: waking at 0.006 rather than 0.01 hears 87.5 % of them instead of
81 % (espeak-ng and Piper voices, our dev commands), at the cost of a few more wakes on phrases that nearly are
the phrase ("hey who's home", "hey hon", "they hum along"). (An average of the tokens let "hey how warm is ..."
through: "Hey" is likely there, " home" about 0.001.)

This is how "hey home" works for anybody's voice without a model trained for it: the neural models of
`agent.wake.neural` are cheaper, but only for the phrases they were trained on. Whisper runs once per stretch
of speech and per louder voice in one (about 50 ms for 1.5 s of audio with tiny.en; 28 times a minute in everyday
talk, 20 over a television), never on silence. The phrase is looked for where speech starts: people pause before
they address the agent, or, over a television that talks without pausing, raise their voice above it.
"""

from __future__ import annotations

import math
import statistics
from collections import deque

from agent.asr.whisper_engine import Whisper
from agent.audio.frames import FRAME_BYTES, SAMPLE_RATE, SAMPLE_WIDTH
from agent.audio.levels import rms_dbfs
from agent.audio.vad import SileroVad
from agent.turn import WakeEvent

THRESHOLD = 0.006
"""Probability of the phrase's least likely token that wakes (see the module's docstring for what it is on and off
the phrase)."""
CHECK_S = 2.5
"""Speech after its onset that is transcribed: long enough for the phrase at a slow pace."""
PREROLL_S = 0.3
"""Audio kept from before Silero noticed speech (its 32 ms chunks decide a little late)."""
END_SILENCE_S = 0.3
"""Non-speech that ends a stretch shorter than `CHECK_S` (a phrase said alone, then a pause)."""
COOLDOWN_S = 2.0
ONSET_DB = 10.0
"""A voice this much louder than the stretch's recent speech (the median 30 ms of its last `LEVEL_WINDOW_S`),
`ONSET_FRAMES` frames in a row, is looked at for the phrase too: over a television that never pauses, a stretch
begins with the television's talk, and a phrase said over it was heard 8 times in 24 (the television 10-20 dB under
the speaker)."""
ONSET_FRAMES = 3
LEVEL_WINDOW_S = 1.5
ONSET_AFTER_FRAMES = 4
"""Speech frames a stretch must have had before a louder voice in it counts (a television's 0.15 s before "hey
home" made its weakest token 0.001, 0.67 from where the speaker began)."""
ONSET_GAP_S = 0.2
"""Onsets closer together than this are one."""
ONSET_PREROLL_S = 0.1
"""Audio kept from before a louder voice's first loud frame (where it began is known to the frame)."""
BYTES_PER_S = SAMPLE_RATE * SAMPLE_WIDTH


class TranscribedWake:
    """Wakes on `phrase` at the start of a stretch of speech, or where a louder voice begins in it; the event's
    `at_s` is where the phrase ends."""

    def __init__(self, whisper: Whisper, phrase: str = "hey home") -> None:
        self.whisper = whisper
        self.phrase = phrase.lower().strip()
        self.vad = SileroVad()
        self.reset()

    def reset(self) -> None:
        self.vad.reset()
        self._preroll: deque[bytes] = deque(maxlen=max(1, round(PREROLL_S * BYTES_PER_S / FRAME_BYTES)))
        self._stretch = bytearray()
        """The stretch of speech so far (its last `CHECK_S` + `PREROLL_S`: an onset is looked at `CHECK_S` after it)."""
        self._stretch_start_s = 0.0
        self._onsets: list[float] = []
        """Where the phrase may begin (stream seconds), not yet looked at."""
        self._last_onset_s = -math.inf
        self._levels: deque[float] = deque(maxlen=round(LEVEL_WINDOW_S * BYTES_PER_S / FRAME_BYTES))
        self._loud_frames = 0
        self._quiet_s = 0.0
        self._stream_s = 0.0
        self._quiet_until = -math.inf

    def feed(self, pcm: bytes) -> WakeEvent | None:
        start_s = self._stream_s
        self._stream_s += len(pcm) / BYTES_PER_S
        speech = self.vad.is_speech(pcm)
        if not self._stretch:
            if not speech:
                self._preroll.append(pcm)
                return None
            self._stretch = bytearray(b"".join(self._preroll))
            self._stretch_start_s = start_s - len(self._stretch) / BYTES_PER_S
            self._preroll.clear()
            self._levels.clear()
            self._loud_frames = 0
            self._onset(self._stretch_start_s)
        elif speech and self._louder(pcm):
            self._onset(max(self._stretch_start_s, start_s - (ONSET_FRAMES - 1) * FRAME_BYTES / BYTES_PER_S - ONSET_PREROLL_S))
        self._stretch += pcm
        self._keep((CHECK_S + PREROLL_S) * BYTES_PER_S)
        self._quiet_s = 0.0 if speech else self._quiet_s + len(pcm) / BYTES_PER_S
        ended = self._quiet_s >= END_SILENCE_S
        event = None
        while self._onsets and (ended or self._stream_s - self._onsets[0] >= CHECK_S):
            event = event or self._check(self._onsets.pop(0))
        if ended:
            self._stretch.clear()
        return event

    def _louder(self, pcm: bytes) -> bool:
        """Whether `pcm` makes `ONSET_FRAMES` in a row `ONSET_DB` over the stretch's recent speech."""
        level = rms_dbfs(pcm)
        recent = statistics.median(self._levels) if len(self._levels) >= ONSET_AFTER_FRAMES else math.inf
        self._levels.append(level)
        self._loud_frames = self._loud_frames + 1 if level >= recent + ONSET_DB else 0
        return self._loud_frames == ONSET_FRAMES

    def _onset(self, at_s: float) -> None:
        if at_s - self._last_onset_s >= ONSET_GAP_S:
            self._onsets.append(at_s)
            self._last_onset_s = at_s

    def _keep(self, most: float) -> None:
        """Drop the stretch's oldest audio beyond `most` bytes."""
        extra = len(self._stretch) - round(most)
        if extra > 0:
            del self._stretch[:extra]
            self._stretch_start_s += extra / BYTES_PER_S

    def _check(self, onset_s: float) -> WakeEvent | None:
        first = max(0, round((onset_s - self._stretch_start_s) * SAMPLE_RATE)) * SAMPLE_WIDTH
        score, end_s = self.whisper.says_first(bytes(self._stretch[first: first + round(CHECK_S * BYTES_PER_S)]),
                                               self.phrase)
        at_s = onset_s + end_s
        if score < THRESHOLD or at_s < self._quiet_until:
            return None
        self._quiet_until = at_s + COOLDOWN_S
        self._onsets.clear()
        return WakeEvent(self.phrase, round(score, 3), at_s=round(at_s, 2), began_s=round(onset_s, 2))
