"""Audio mode ASR: frames after the wake phrase, until the endpointer says the request is over."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable

from agent.asr.engine import Recognizer
from agent.audio.endpoint import Endpointer, EndpointEvent
from agent.audio.frames import FRAME_MS
from agent.context import TurnContext
from agent.dialogue.state import OpenQuestion
from agent.nlu.completion import completions
from agent.text import ARTICLES, last_word, without_phrase, words_of
from agent.turn import Transcript, WakeEvent

WAKE_OVERLAP_S = 0.015
"""Audio of a request starts this much before the wake phrase's aligned end: the alignment may give the wake
word the closure of a first stop consonant ("hey home | call the ..." heard as "all the ...")."""
PHRASE_TAIL_S = 0.0
"""The endpointer starts listening this long after the wake phrase's aligned end. Whisper's alignments tend to be
late (by 0.1-0.2 s, into the next word): at 0.2 s a one-word request after a short pause ("hey home, sure") was
skipped whole and never heard, and at 0.1 s one said quickly ("hey home, no" at 210 words a minute). An
alignment early, which makes the phrase's last sound a request of its own, is caught when that "request" ends:
the recognizer heard nothing after the wake phrase but its words, so the endpointer waits for the request again.
(A quiet wake phrase is aligned up to 0.25 s early: 10 dB under the request, 12 of 30 requests after a 1 s
pause were heard as "home".)"""

HOLD_S = 1.0
"""How much longer a request that stopped mid-phrase ("turn on the ...") waits for the rest: people pause to
think of a name. Home Assistant's relaxed endpointing waits 1.25 s in all."""
UNFINISHED = ARTICLES | {"to", "of", "for", "at", "in", "into", "from", "with", "and", "or", "but", "turn", "set",
                         "switch", "put", "make", "play", "is", "are"}
"""Words a request does not end on, or seldom does ("what is the oven set to")."""
LEFT_OPEN = ARTICLES | {"to", "for", "at"}
"""Words a request ends on when its name or value was left unsaid ("turn on the", "set the thermostat to", "set a
timer for"). Not "and" or "but": a word misheard ends on them too ("run the room but")."""
UNSAID_CONFIDENCE = 0.5
"""The most confidence a request left unsaid keeps when it is read from one of the recognizer's alternatives (as a
corrected one: under every threshold that acts without asking)."""


def left_unsaid(transcript: Transcript, waited: bool) -> Transcript | None:
    """A request left open (`LEFT_OPEN`), as heard: its best reading ends so ("turn on the", "set the thermostat
    to": the agent asks what was meant; a correction would drop or swap words to make it a whole command, "the
    thermostat too"), or, when the rest was waited for and nothing came (`waited`), one of its readings does
    ("set the oven tube", "set the oven to"). None for a request said to its end."""
    if last_word(transcript.text) in LEFT_OPEN:
        return dataclasses.replace(transcript, alternatives=())
    text = next((t for t in transcript.alternatives if last_word(t) in LEFT_OPEN), None) if waited else None
    if text is None:
        return None
    return dataclasses.replace(transcript, text=text, alternatives=(), heard=transcript.text,
                               confidence=min(transcript.confidence, UNSAID_CONFIDENCE))


def phrase_echo(text: str, phrase: str) -> bool:
    """Whether `text`, heard so far after the wake `phrase`, is nothing (a noise) or the phrase's own tail, its
    alignment having ended early: the phrase's words, or no more words than it has ending on its last ("home",
    "take home" after "hey home")."""
    words, said = words_of(text), words_of(phrase)
    return set(words) <= set(said) or len(words) <= len(said) and words[-1] == said[-1]


def answers(transcript: Transcript, question: OpenQuestion | None, names: frozenset[str]) -> bool:
    """Whether one of `transcript`'s readings answers the open `question` ("seventy" heard as "seven tea", with
    "70." among the alternatives): it is kept as heard, alternatives and all, for the NLU to read the answer from.
    A correction onto the home's commands would drop the readings that only say a value."""
    return question is not None and bool(completions([transcript.text, *transcript.alternatives], question.intent,
                                                     question.slot, names))


def without_wake_phrase(transcript: Transcript, phrase: str) -> Transcript:
    """`transcript` without the wake phrase said in it ("hey home yes" -> "yes")."""
    return dataclasses.replace(transcript, text=without_phrase(transcript.text, phrase), alternatives=tuple(
        a for a in (without_phrase(a, phrase) for a in transcript.alternatives) if a))


class AudioAsr:
    """Feeds the turn's frames to a recognizer and an endpointer; returns the final transcript."""

    def __init__(
        self, recognizer: Recognizer, endpointer: Callable[[], Endpointer],
        on_partial: Callable[[str], None] | None = None, correct: Callable[[Transcript], Transcript] | None = None,
        wake_phrase: str = "",
    ) -> None:
        self.recognizer = recognizer
        self.new_endpointer = endpointer
        self.on_partial = on_partial
        self.correct = correct
        """Maps the transcript onto a phrase the home knows (`agent.asr.correct`); not while an answer in the
        user's own words is expected."""
        self.wake_phrase = wake_phrase
        """Said at the start of a request heard without it (push-to-talk, an answer), it is not the request."""

    async def process(self, wake: WakeEvent, ctx: TurnContext) -> Transcript:
        if ctx.audio is None:
            raise RuntimeError("audio ASR needs the turn's audio frames")
        endpointer = self.new_endpointer()
        free = ctx.dialogue.asked(ctx.user) is not None
        phrase_end = wake.at_s if wake.began_s is not None else None  # the audio begins with the wake phrase
        if phrase_end is not None and wake.began_s is not None:
            self.recognizer.start(free, wake.phrase, max(0.0, phrase_end - wake.began_s - WAKE_OVERLAP_S),
                                  speaker_dbfs=wake.speaker_dbfs)
        else:
            self.recognizer.start(free, speaker_dbfs=wake.speaker_dbfs)
        heard = restarted = False
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
            if event == EndpointEvent.END and endpointer.speech_end_s != held_at:
                so_far = await self._so_far(ctx)
                if so_far is not None and phrase_echo(so_far, wake.phrase) and not restarted:
                    endpointer.reset()
                    heard, restarted = False, True
                    continue
                if so_far and last_word(so_far) in UNFINISHED:
                    held_at = endpointer.speech_end_s
                    endpointer.hold(HOLD_S)
                    continue
            if event in (EndpointEvent.END, EndpointEvent.TOO_LONG):
                break
        ctx.audio.stop()
        transcript = await asyncio.to_thread(self.recognizer.finish)  # a neural decode keeps the loop waiting
        if not heard:
            return dataclasses.replace(transcript, text="", alternatives=())
        if not wake.phrase:
            transcript = without_wake_phrase(transcript, self.wake_phrase)
        unsaid = left_unsaid(transcript, waited=held_at is not None and endpointer.speech_end_s == held_at)
        if unsaid is not None:  # as heard, for the agent to ask what was meant: a fix would guess the words not said
            return unsaid
        if self.correct is None or free or answers(transcript, ctx.dialogue.question, ctx.home.device_names):
            return transcript
        return await asyncio.to_thread(self.correct, transcript)  # it may listen again: a second decode

    async def _so_far(self, ctx: TurnContext) -> str | None:
        """What the recognizer heard of the request so far (None: it cannot tell before the end)."""
        assert ctx.audio is not None
        ctx.audio.deciding = True
        try:
            return await asyncio.to_thread(self.recognizer.so_far)
        finally:
            ctx.audio.deciding = False
