"""The interface every speech recognizer implements (pocketsphinx, vosk, ...)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from agent.turn import Transcript


class Recognizer(Protocol):
    """Streaming recognition of one utterance at a time."""

    hears_prefix: bool
    """Whether `start(prefix=...)` is understood: the audio then begins with those words (the wake phrase), which
    the recognizer hears as the start of the sentence and leaves out of the transcript."""

    def start(self, free: bool = False, prefix: str = "", prefix_s: float = 0.0, names: Sequence[str] = (),
              speaker_dbfs: float | None = None) -> None:
        """Begin a new utterance; `free` when the dialogue expects an answer in the user's own words rather
        than a command (decode without the command grammar); `prefix`: see `hears_prefix`; `prefix_s`: how long
        the prefix lasts in the audio (its aligned end, from the wake engine); `names`: names to favour in this
        utterance besides the home's (a Wyoming client's `transcript_names`), where the engine can;
        `speaker_dbfs`: the speaker's level (`WakeEvent.speaker_dbfs`) when another voice talks in the room, so
        an engine that tells voices apart by level leaves out words far under it."""
        ...

    def feed(self, pcm: bytes) -> str | None:
        """Add 16 kHz mono int16 audio; returns a partial transcript when the engine has one."""
        ...

    def so_far(self) -> str | None:
        """The words of the utterance so far, without ending it ("": none yet); None when the engine cannot tell
        before the end."""
        ...

    def finish(self) -> Transcript:
        """End the utterance: the final transcript, its confidence in [0, 1], and n-best alternatives."""
        ...
