"""The time and the date, from the agent's clock in local time."""

from __future__ import annotations

from datetime import datetime

from agent.turn import Outcome, Resolution, Result
from skills.base import Skill, SkillContext


def spoken_time(moment: datetime) -> str:
    """'7:05 AM', '12:30 PM'."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def spoken_date(moment: datetime) -> str:
    """'Sunday, November 22'."""
    return f"{moment:%A, %B} {moment.day}"


class ClockSkill(Skill):
    """HassGetCurrentTime / HassGetCurrentDate."""

    intents = frozenset({"HassGetCurrentTime", "HassGetCurrentDate"})

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        now = datetime.fromtimestamp(ctx.clock.now()).astimezone()
        if request.intent.name == "HassGetCurrentTime":
            return Result(f"It's {spoken_time(now)}.", Outcome.SUCCESS, data={"time": now.strftime("%H:%M")})
        return Result(f"Today is {spoken_date(now)}.", Outcome.SUCCESS, data={"date": now.date().isoformat()})
