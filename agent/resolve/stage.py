"""The resolve stage: runs the pure resolver with the turn's context."""

from __future__ import annotations

from agent.context import TurnContext
from agent.habits import Habits
from agent.resolve.resolver import ResolveContext, resolve_best
from agent.turn import Intent, Resolution


class ResolveStage:
    """Ties an intent to the home's devices using the speaker's area, device states, the conversation's topic,
    what just happened and the speaker's habits."""

    def __init__(self, habits: Habits | None = None) -> None:
        self.habits = habits

    async def process(self, intent: Intent, ctx: TurnContext) -> Resolution:
        return resolve_best(intent, ResolveContext(ctx.home, ctx.area, ctx.satellite, ctx.states.snapshot(),
                                                   ctx.dialogue.topic, ctx.user, self.habits, ctx.now,
                                                   ctx.just_happened))
