"""The result stage: the dialogue manager (`agent.dialogue.manager`) answers each resolved request, and this stage
hands what it decides to do to the skill that serves it."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from agent.bus import BusUnavailable
from agent.clock import Clock
from agent.context import TurnContext
from agent.dialogue.manager import DialogueManager
from agent.turn import Outcome, Resolution, Result
from skills.base import Commander, Services, Skill, SkillContext

log = logging.getLogger(__name__)
NOT_UNDERSTOOD = "Sorry, I can't help with that."


class ResultStage:
    """Hands each resolved request to its skill, within the dialogue, and returns what happened."""

    def __init__(
        self, skills: Mapping[str, Skill], commander: Commander, clock: Clock,
        services: Services | None = None, confirm_timeout_s: float = 2.0,
    ) -> None:
        self.skills = skills
        self.commander = commander
        self.clock = clock
        self.services = services or Services()
        self.confirm_timeout_s = confirm_timeout_s
        self.dialogue = DialogueManager(self.dispatch)

    async def process(self, resolution: Resolution, ctx: TurnContext) -> Result:
        return await self.dialogue.respond(resolution, ctx)

    async def dispatch(self, resolution: Resolution, ctx: TurnContext) -> Result:
        """The skill for the request's intent, with what a skill may use."""
        skill = self.skills.get(resolution.intent.name)
        if skill is None:
            return Result(NOT_UNDERSTOOD, Outcome.UNSUPPORTED)
        skill_ctx = SkillContext(
            home=ctx.home, states=ctx.states, commander=self.commander, clock=self.clock, user=ctx.user,
            satellite=ctx.satellite, area=ctx.area, services=self.services,
            confirm_timeout_s=self.confirm_timeout_s,
        )
        try:
            return await skill.handle(resolution, skill_ctx)
        except BusUnavailable:
            return Result("I can't reach the devices right now.", Outcome.ERROR)
