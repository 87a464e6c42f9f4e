"""Saying something in every other room."""

from __future__ import annotations

from agent.turn import Outcome, Resolution, Result
from skills.base import Skill, SkillContext


class BroadcastSkill(Skill):
    """HassBroadcast: the message is announced on every satellite but the one it was said to."""

    intents = frozenset({"HassBroadcast"})

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        message = str(request.values.get("message") or "").strip()
        if not message:
            return Result("What should I tell everyone?", Outcome.UNRESOLVED)
        here = ctx.satellite.id if ctx.satellite else None
        others = [d.id for d in ctx.home.satellites if d.id != here]
        announce = ctx.services.announce
        if not others or announce is None:
            return Result("There's no other speaker to tell.", Outcome.UNRESOLVED)
        for satellite in others:
            await announce(satellite, message[:1].upper() + message[1:] + ".")
        return Result(f"Told everyone: {message}.", Outcome.SUCCESS, data={"message": message, "satellites": others})
