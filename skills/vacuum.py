"""Starting the robot vacuum and sending it home."""

from __future__ import annotations

from agent.turn import Outcome, Resolution, Result
from skills.base import Skill, SkillContext, names
from skills.common import Command, carry_out


class VacuumSkill(Skill):
    """HassVacuumStart / HassVacuumCleanArea (one room) / HassVacuumReturnToBase."""

    intents = frozenset({"HassVacuumStart", "HassVacuumCleanArea", "HassVacuumReturnToBase"})

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        if not request.devices:
            return Result("Which vacuum do you mean?", Outcome.UNRESOLVED)
        ids = list(request.devices)
        room = request.values.get("clean_area")
        if request.intent.name == "HassVacuumCleanArea" and room:
            area = ctx.home.area_by_id[str(room)]
            commands = [Command(d, {"state": "cleaning", "area": area.id}, {"state": "cleaning"}) for d in ids[:1]]
            return await carry_out(ctx, commands, lambda done: f"Cleaning the {area.name} with {names(ctx.home, done)}.",
                                   f"clean the {area.name}", data={"state": "cleaning", "area": area.id})
        if request.intent.name in ("HassVacuumStart", "HassVacuumCleanArea"):
            commands = [Command(d, {"state": "cleaning"}) for d in ids]
            return await carry_out(ctx, commands, lambda done: f"Started {names(ctx.home, done)}.",
                                   "start cleaning", data={"state": "cleaning"})
        commands = [Command(d, {"state": "docked"}, {"state": ("returning", "docked")}) for d in ids]
        return await carry_out(
            ctx, commands,
            lambda done: f"Sending {names(ctx.home, done)} back to {'its dock' if len(done) == 1 else 'their docks'}.",
            "go back to its dock", data={"state": "docked"},
        )
