"""Engine-agnostic endpointing: when did the utterance start and end, from Silero VAD plus an energy gate, and
the speaker's own level against a quieter voice that goes on talking (a television)."""

from __future__ import annotations

import math
from collections import deque
from enum import StrEnum

from agent.audio.frames import FRAME_BYTES, FRAME_MS
from agent.audio.levels import SILENCE_DBFS, rms_dbfs
from agent.audio.vad import SPEECH_PROBABILITY, SileroVad, speaking_gain

FRAME_S = FRAME_MS / 1000
MIN_SPEECH_FRAMES = 3
"""Consecutive voiced frames that start (or resume) speech; shorter bursts are clicks."""
BRIDGE_S = 0.15
"""A voiced burst this soon after speech continues it whatever its length (a stop closure, not a click)."""
GATE_DB = 3.0
"""How far above the noise floor a frame must be to count as voiced."""
TAIL_S = 0.15
"""Loud frames right after voiced ones extend speech this long even when the VAD drops them (final fricatives)."""
FLOOR_WINDOW_S = 3.0
"""The noise floor is the quietest frame of this much recent audio."""
MIN_DBFS = -50.0
"""Frames quieter than this never count as speech from a speaker at a speaking level (near silence); above it the
noise floor decides. For a quieter speaker it is lower by the gain that brings their wake phrase up to a speaking
level: a voice a few metres from the microphone peaks 30-40 dB under full scale, its quieter frames near -60 dBFS
(with the gate at -50 for everybody, such a request was lost; at -65 for everybody, the quiet ends of espeak-ng's
words counted in clean audio, and the endpoint moved: 266 -> 264 of 300 dev commands)."""
SPEAKER_SPAN_DB = 30.0
"""Once speech has started, frames within this much of the utterance's loudest are never near silence, whatever
`MIN_DBFS` says: a speaker may say the request 20-30 dB quieter than their wake phrase (turned away, or a
recording with a louder wake phrase put in front), and the near-silence gate set by the wake phrase's level cut
such requests after their first words. A voice at a speaking level (its loudest frame over -20 dBFS) keeps the
gate at `MIN_DBFS`: at 40 dB the quiet ends of espeak-ng's words counted ("oven off" heard as "urban off")."""
OTHER_VOICE_DB = 20.0
"""Speech this far under the utterance's loudest frame is another, more distant voice's (a television's); the
speaker's is `MIN_SPEECH_FRAMES` frames in a row above it (a television 20 dB under has single frames above)."""
OTHER_VOICE_END_S = 1.0
"""The utterance also ends when only another voice has been heard for this long since the speaker's last frame: a
television talking 20 dB under the speaker kept every request open to `max_s`. Longer than `silence_s`, so a
speaker's pause ends nothing sooner than before (such frames, left out of speech, cut requests at a comma's pause)."""


class EndpointEvent(StrEnum):
    """Where the utterance stands after a chunk of audio."""

    WAITING = "waiting"
    """No speech yet."""
    SPEECH = "speech"
    """In speech (including pauses shorter than `silence_s`)."""
    END = "end"
    """Speech, then `silence_s` without it (or `OTHER_VOICE_END_S` with only a quieter voice): the utterance is
    complete."""
    TOO_LONG = "too_long"
    """Speech went on for `max_s`."""
    TIMEOUT = "timeout"
    """No speech within `timeout_s`."""


FINAL = (EndpointEvent.END, EndpointEvent.TOO_LONG, EndpointEvent.TIMEOUT)


class Endpointer:
    """Finds one utterance in a stream of 16 kHz mono int16 audio; `reset()` starts the next one."""

    def __init__(
        self,
        silence_s: float = 0.5,
        max_s: float = 10.0,
        timeout_s: float = 5.0,
        threshold: float = SPEECH_PROBABILITY,
        min_dbfs: float = MIN_DBFS,
    ) -> None:
        self.silence_s = silence_s
        self.max_s = max_s
        self.timeout_s = timeout_s
        self.min_dbfs = min_dbfs
        self._vad = SileroVad(threshold)
        """Hears the utterance brought up to a speaking level (its `gain`); the near-silence gate is lower by as
        much."""
        self._levels: deque[float] = deque(maxlen=round(FLOOR_WINDOW_S / FRAME_S))
        self._buffer = b""
        self._frame = 0
        self.reset()

    def reset(self) -> None:
        """Look for a new utterance from the current stream offset on (the noise floor is kept)."""
        self.event = EndpointEvent.WAITING
        """Where the utterance stands; END, TOO_LONG and TIMEOUT stay until `reset()`."""
        self._began = self._frame
        self._start: int | None = None
        self._end: int | None = None
        self._voiced_end = 0
        self._run = 0
        self._held_s = 0.0
        self._loudest = SILENCE_DBFS
        self._speaker_run = 0
        self._speaker_end: int | None = None

    @property
    def now_s(self) -> float:
        """Stream offset of the audio processed so far (whole frames)."""
        return self._frame * FRAME_S

    @property
    def speech_start_s(self) -> float | None:
        """Stream offset where the utterance's speech starts."""
        return None if self._start is None else self._start * FRAME_S

    @property
    def speech_end_s(self) -> float | None:
        """Stream offset where the utterance's speech (so far) ends."""
        return None if self._end is None else self._end * FRAME_S

    def hold(self, extra_s: float) -> None:
        """The utterance ended mid-phrase ("turn on the ..."): take it up again, and end it after `extra_s` more
        silence unless speech resumes (then the usual silence ends it)."""
        if self.event == EndpointEvent.END:
            self.event = EndpointEvent.SPEECH
            self._held_s = extra_s

    def hear_background(self, pcm: bytes) -> None:
        """Audio from before the utterance (what preceded and included the wake phrase). It sets the noise floor:
        without it, a request that starts the moment the wake phrase ends makes its own first frames the floor, and
        a short one ("do it") never stands out from itself. Its loud end is the speaker's level: the utterance is
        heard as brought up to a speaking level by it (`vad.speaking_gain`; a request said 30 dB under full scale was
        lost)."""
        for i in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES):
            self._level(pcm[i : i + FRAME_BYTES])
        self._vad.gain = speaking_gain(pcm)

    def feed(self, pcm: bytes) -> EndpointEvent:
        """Add audio (any length; whole 30 ms frames are processed) and return where the utterance stands."""
        self._buffer += pcm
        while len(self._buffer) >= FRAME_BYTES and self.event not in FINAL:
            frame, self._buffer = self._buffer[:FRAME_BYTES], self._buffer[FRAME_BYTES:]
            level = self._level(frame)
            loud = self._loud(level)
            speech = self._vad.is_speech(frame)  # every frame: Silero carries state from chunk to chunk
            self._step(loud, loud and speech, level)
        return self.event

    def _loud(self, level: float) -> bool:
        """Whether a frame at `level` stands out from the noise floor (and from near-silence)."""
        near_silence = self.min_dbfs - 20 * math.log10(self._vad.gain)
        if self._start is not None:
            near_silence = min(near_silence, self._loudest - SPEAKER_SPAN_DB)
        return level >= max(near_silence, min(self._levels) + GATE_DB)

    def _level(self, frame: bytes) -> float:
        """The frame's level in dBFS, remembered for the noise floor."""
        level = rms_dbfs(frame)
        self._levels.append(level)
        return level

    def _step(self, loud: bool, voiced: bool, level: float) -> None:
        """Advance the state machine by one frame (`level`: its dBFS)."""
        self._frame += 1
        self._run = self._run + 1 if voiced else 0
        if self._start is None and self._run >= MIN_SPEECH_FRAMES:
            self._start = self._end = self._voiced_end = self._frame - self._run
            self.event = EndpointEvent.SPEECH
        if self._end is not None:
            gap_s = (self._frame - 1 - self._end) * FRAME_S
            if voiced and (self._run >= MIN_SPEECH_FRAMES or gap_s <= BRIDGE_S):
                self._end = self._voiced_end = self._frame
                self._loudest = max(self._loudest, level)
            elif loud and gap_s == 0 and (self._frame - self._voiced_end) * FRAME_S <= TAIL_S:
                self._end = self._frame
        self._speaker_run = self._speaker_run + 1 if voiced and level >= self._loudest - OTHER_VOICE_DB else 0
        if self._start is not None and self._speaker_run >= MIN_SPEECH_FRAMES:
            self._speaker_end = self._frame
            self._held_s = 0.0
        if self._start is None:
            if (self._frame - self._began) * FRAME_S >= self.timeout_s:
                self.event = EndpointEvent.TIMEOUT
        elif (self._frame - self._start) * FRAME_S >= self.max_s:
            self._end = self._frame
            self.event = EndpointEvent.TOO_LONG
        elif self._end is not None and (self._frame - self._end) * FRAME_S >= self.silence_s + self._held_s - 1e-9 \
                and not voiced:  # not as a voice starts again: it may be the request after a pause
            self.event = EndpointEvent.END
        elif self._speaker_end is not None and \
                (self._frame - self._speaker_end) * FRAME_S >= OTHER_VOICE_END_S + self._held_s - 1e-9:
            self._end = self._speaker_end
            self.event = EndpointEvent.END
