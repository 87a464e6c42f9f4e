"""The resolve stage: runs the pure resolver with the turn's context."""

from __future__ import annotations

from agent.context import TurnContext
from agent.resolve.resolver import ResolveContext, resolve_best
from agent.turn import Intent, Resolution


class ResolveStage:
    """Ties an intent to the home's devices using the speaker's area and device states."""

    async def process(self, intent: Intent, ctx: TurnContext) -> Resolution:
        return resolve_best(intent, ResolveContext(ctx.home, ctx.area, ctx.satellite, ctx.states.snapshot(),
                                                   ctx.dialogue.topic))
