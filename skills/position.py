"""Levels of things that open part way or spin at a speed: covers and valves to a position, fans to a speed."""

from __future__ import annotations

from agent.turn import Outcome, Resolution, Result
from skills.base import Skill, SkillContext, names
from skills.common import Command, carry_out, sentence


class PositionSkill(Skill):
    """HassSetPosition (blinds, curtains, doors, valves: 0 closed, 100 open) and HassFanSetSpeed (percent)."""

    intents = frozenset({"HassSetPosition", "HassFanSetSpeed"})

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        speed = request.intent.name == "HassFanSetSpeed"
        key = "percentage" if speed else "position"
        level = request.values.get(key)
        if not request.devices:
            return Result(f"Which {'fan' if speed else 'one'} do you mean?", Outcome.UNRESOLVED)
        if level is None:
            return Result(f"What {'speed' if speed else 'position'} should I set?", Outcome.CLARIFY, asks_for=key)
        level = int(level)
        if speed:
            expect = {"state": "off"} if level == 0 else {"percentage": level, "state": "on"}
        else:
            expect = {"target": level}
        commands = [Command(d, {key: level}, expect) for d in request.devices]

        def done(ids: list[str]) -> str:
            who = names(ctx.home, ids)
            if speed:
                return sentence(f"turned off {who}." if level == 0 else f"set {who} to {level} percent speed.")
            return sentence(f"{'closing' if level == 0 else 'moving'} {who}"
                            + ("." if level == 0 else f" to {level} percent open."))

        return await carry_out(ctx, commands, done, "change", data={key: level})
