"""The ASR stage: typed text passes through; a turn that comes with audio is recognized."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.asr.text import TextAsr
from agent.turn import Transcript, WakeEvent

if TYPE_CHECKING:
    from agent.asr.audio import AudioAsr
    from agent.context import TurnContext


class AsrStage:
    """`TextAsr` for typed turns; for a turn with audio (`TurnContext.audio`), the voice loop's recognizer; for a
    turn whose words were recognized before it began (`TurnContext.heard`), those words."""

    def __init__(self) -> None:
        self.text = TextAsr()
        self.audio: AudioAsr | None = None
        """Set by the voice loop that feeds the agent (`Agent.hear_with`)."""

    async def process(self, wake: WakeEvent, ctx: TurnContext | None = None) -> Transcript:
        if ctx is not None and ctx.heard is not None:
            return ctx.heard
        if ctx is None or ctx.audio is None:
            return await self.text.process(wake, ctx)
        if self.audio is None:
            raise RuntimeError("a turn came with audio, but no voice loop gave the agent a recognizer")
        return await self.audio.process(wake, ctx)
