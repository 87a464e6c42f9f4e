"""Never mind: acknowledge and do nothing."""

from __future__ import annotations

from agent.turn import Outcome, Resolution, Result
from skills.base import Skill, SkillContext


class NevermindSkill(Skill):
    """HassNevermind."""

    intents = frozenset({"HassNevermind"})

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        return Result("Okay.", Outcome.SUCCESS)
