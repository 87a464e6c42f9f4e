"""Teaching: "I'm a Warriors fan", "I like Italian restaurants", "call the big light the living room ceiling
light", "when I say movie time, dim the living room lights and turn on the TV"; "what do you know about me",
"forget that", "forget everything about me". Kept per user in the database (`agent.teach.store`)."""

from __future__ import annotations

from agent.resolve.match import find_devices
from agent.teach.parse import FORGET, FORGET_ALL, KNOW, TEACH, steps_of
from agent.teach.store import ALIAS, ROUTINE, PreferenceStore, StoreUnavailable, Taught
from agent.text import listed
from agent.turn import Outcome, Resolution, Result
from skills.base import Skill, SkillContext
from skills.common import sentence


def describe(taught: Taught, ctx: SkillContext) -> str:
    """What was taught, in a few words addressed to the user."""
    value = str(taught.value)
    if taught.kind == "team":
        return f"you're a {value.title()} fan"
    if taught.kind == "cuisine":
        return f"you like {value.title()} food"
    if taught.kind == "music":
        return f"you like {value}"
    if taught.kind == ALIAS:
        device = ctx.home.device(value)
        return f"you call the {device.name if device else value} \"the {taught.key}\""
    if taught.kind == ROUTINE:
        return f"when you say {taught.key}, I {listed(steps_of(value))}"
    return f"you like {value}"


class TeachSkill(Skill):
    """Stores, tells and forgets what the speaking user taught."""

    intents = frozenset({TEACH, KNOW, FORGET, FORGET_ALL})

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        store: PreferenceStore | None = ctx.services.preferences
        if store is None:
            return Result("I can't remember things without a database.", Outcome.UNSUPPORTED)
        try:
            return self._handle(request, ctx, store)
        except StoreUnavailable:
            return Result("Sorry, I can't reach my memory right now; I haven't changed anything.", Outcome.ERROR)

    def _handle(self, request: Resolution, ctx: SkillContext, store: PreferenceStore) -> Result:
        name, slots, user = request.intent.name, request.intent.slots, ctx.user
        if name == KNOW:
            known = store.known(user)
            if not known:
                return Result("Nothing yet. You can tell me things like \"I'm a Warriors fan\".", Outcome.SUCCESS)
            return Result(sentence(f"I know that {listed([describe(t, ctx) for t in known])}."), Outcome.SUCCESS)
        if name == FORGET:
            gone = store.forget_latest(user)
            return Result(sentence(f"Okay, I've forgotten that {describe(gone, ctx)}.") if gone
                          else "There's nothing to forget.", Outcome.SUCCESS)
        if name == FORGET_ALL:
            count = store.forget_user(user)
            return Result(f"Done. I've deleted {'the one thing' if count == 1 else f'all {count} things'} you "
                          "taught me." if count else "I don't know anything about you.", Outcome.SUCCESS)
        kind = str(slots["kind"])
        now = ctx.clock.now()
        if kind == ALIAS:
            return self._alias(str(slots["alias"]), str(slots["target"]), request.intent.text, ctx, store)
        if kind == ROUTINE:
            taught = store.add(user, ROUTINE, str(slots["trigger"]), str(slots["steps"]), request.intent.text, now)
        else:
            taught = store.add(user, kind, kind, str(slots["value"]), request.intent.text, now)
        return Result(sentence(f"Got it: {describe(taught, ctx)}."), Outcome.SUCCESS)

    @staticmethod
    def _alias(alias: str, target: str, said: str, ctx: SkillContext, store: PreferenceStore) -> Result:
        """"call the big light the living room ceiling light": whichever phrase names a device is the device."""
        for phrase, name in ((target, alias), (alias, target)):
            match = find_devices(ctx.home, phrase, None, ctx.area, None)
            if len(match.devices) == 1 and max(match.scores) >= 0.9:
                taught = store.add(ctx.user, ALIAS, name, match.devices[0].id, said, ctx.clock.now())
                return Result(sentence(f"Got it: {describe(taught, ctx)}."), Outcome.SUCCESS)
        return Result(f"I don't know which device you mean by {target}.", Outcome.UNRESOLVED)
