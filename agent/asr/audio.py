"""Audio mode ASR: frames after the wake phrase, until the endpointer says the request is over."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable

from agent.asr.engine import Recognizer
from agent.audio.endpoint import Endpointer, EndpointEvent
from agent.audio.frames import FRAME_MS
from agent.context import TurnContext
from agent.text import words_of
from agent.turn import Transcript, WakeEvent

WAKE_OVERLAP_S = 0.015
"""Audio of a request starts this much before the wake phrase's aligned end: the alignment may give the wake
word the closure of a first stop consonant ("hey home | call the ..." heard as "all the ...")."""
PHRASE_TAIL_S = 0.1
"""The endpointer starts listening this long after the wake phrase's aligned end: an alignment a little early
must not make the phrase's last sound a request. Whisper's alignments tend to be late instead (by 0.1-0.2 s, into
the next word): at 0.2 s a one-word request after a short pause ("hey home, sure", "hey home, aye") was skipped
whole and never heard; at 0.1 s Piper's reading of our development commands went from 92.0 % to 94.0 % right,
espeak-ng's stayed at 90.8 %."""

HOLD_S = 1.0
"""How much longer a request that stopped mid-phrase ("turn on the ...") waits for the rest: people pause to
think of a name. Home Assistant's relaxed endpointing waits 1.25 s in all."""
UNFINISHED = frozenset({"the", "a", "an", "my", "our", "your", "to", "of", "for", "at", "in", "into", "from",
                        "with", "and", "or", "but", "turn", "set", "switch", "put", "make", "play", "is", "are"})
"""Words a request does not end on."""


def unfinished(text: str) -> bool:
    """Whether `text` stops mid-phrase: on an article, a preposition, a conjunction or a verb still to be done."""
    words = words_of(text)
    return bool(words) and words[-1] in UNFINISHED


class AudioAsr:
    """Feeds the turn's frames to a recognizer and an endpointer; returns the final transcript."""

    def __init__(
        self, recognizer: Recognizer, endpointer: Callable[[], Endpointer],
        on_partial: Callable[[str], None] | None = None, correct: Callable[[Transcript], Transcript] | None = None,
    ) -> None:
        self.recognizer = recognizer
        self.new_endpointer = endpointer
        self.on_partial = on_partial
        self.correct = correct
        """Maps the transcript onto a phrase the home knows (`agent.asr.correct`); not while an answer in the
        user's own words is expected."""

    async def process(self, wake: WakeEvent, ctx: TurnContext) -> Transcript:
        if ctx.audio is None:
            raise RuntimeError("audio ASR needs the turn's audio frames")
        endpointer = self.new_endpointer()
        free = ctx.dialogue.asked(ctx.user) is not None
        phrase_end = wake.at_s if wake.began_s is not None else None  # the audio begins with the wake phrase
        if phrase_end is not None and wake.began_s is not None:
            self.recognizer.start(free, wake.phrase, max(0.0, phrase_end - wake.began_s - WAKE_OVERLAP_S))
        else:
            self.recognizer.start(free)
        heard = False
        held_at: float | None = None
        while True:
            frame = await ctx.audio.get()
            if frame is None:
                break
            partial = self.recognizer.feed(frame.pcm)
            if partial and self.on_partial:
                self.on_partial(partial)
            if phrase_end is not None and frame.start_s + FRAME_MS / 1000 <= phrase_end + PHRASE_TAIL_S:
                continue  # the wake phrase itself: for the recognizer, not the request's endpoint
            event = endpointer.feed(frame.pcm)
            heard = heard or event != EndpointEvent.WAITING
            if event == EndpointEvent.TIMEOUT:
                heard = False
                break
            if event == EndpointEvent.END and endpointer.speech_end_s != held_at and await self._mid_phrase(ctx):
                held_at = endpointer.speech_end_s
                endpointer.hold(HOLD_S)
                continue
            if event in (EndpointEvent.END, EndpointEvent.TOO_LONG):
                break
        ctx.audio.stop()
        transcript = await asyncio.to_thread(self.recognizer.finish)  # a neural decode keeps the loop waiting
        if not heard:
            return dataclasses.replace(transcript, text="", alternatives=())
        return self.correct(transcript) if self.correct is not None and not free else transcript

    async def _mid_phrase(self, ctx: TurnContext) -> bool:
        """Whether the request stopped mid-phrase, from what the recognizer heard so far."""
        assert ctx.audio is not None
        ctx.audio.deciding = True
        try:
            return unfinished(await asyncio.to_thread(self.recognizer.so_far))
        finally:
            ctx.audio.deciding = False
