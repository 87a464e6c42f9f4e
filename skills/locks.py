"""Locking and unlocking doors."""

from __future__ import annotations

from agent.turn import Outcome, Resolution, Result
from skills.base import Skill, SkillContext, names
from skills.common import Command, carry_out, sentence


class LockSkill(Skill):
    """HassLockDoor / HassUnlockDoor; a jammed lock is reported as such."""

    intents = frozenset({"HassLockDoor", "HassUnlockDoor"})

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        if not request.devices:
            return Result("Which door do you mean?", Outcome.UNRESOLVED)
        lock = request.intent.name == "HassLockDoor"
        word = "locked" if lock else "unlocked"
        jammed = [d for d in request.devices if ctx.state(d).get("state") == "jammed"]
        if jammed:
            return Result(sentence(f"{names(ctx.home, jammed)} {'is' if len(jammed) == 1 else 'are'} jammed, "
                                   "so I can't move the lock."), Outcome.ERROR, data={"jammed": jammed})
        commands = [Command(d, {"state": word}) for d in request.devices]
        result = await carry_out(ctx, commands, lambda ids: f"{word.capitalize()} {names(ctx.home, ids)}.",
                                 "lock" if lock else "unlock", data={"state": word})
        jammed = [a.device for a in result.actions if not a.confirmed and ctx.state(a.device).get("state") == "jammed"]
        if jammed:
            speech = sentence(f"{names(ctx.home, jammed)} {'is' if len(jammed) == 1 else 'are'} jammed.")
            return Result(speech, Outcome.ERROR, result.actions, {**result.data, "jammed": jammed})
        return result
