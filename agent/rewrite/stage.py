"""The rewrite stage and the interface every rewriter implements."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Protocol

from agent.teach.parse import teaching
from agent.turn import Rewrite, Transcript

if TYPE_CHECKING:
    from agent.context import TurnContext


class Rewriter(Protocol):
    """One source of rewrites (a precomputed table, online retrieval, taught preferences)."""

    def rewrite(self, text: str, ctx: TurnContext | None) -> Rewrite | None: ...


class RewriteStage:
    """Applies the first rewriter that fires, in order (taught names first); passes the text through when none
    does."""

    def __init__(self, rewriters: list[Rewriter] | None = None) -> None:
        self.rewriters = list(rewriters or [])

    async def process(self, transcript: Transcript, ctx: TurnContext | None = None) -> Rewrite:
        sure = transcript.confidence
        answering = ctx is not None and ctx.dialogue.asked(ctx.user) is not None
        if answering or teaching(transcript.text) is not None:  # what a user teaches is taken as said
            return Rewrite(transcript.text, transcript.text, speech_confidence=sure)
        for rewriter in self.rewriters:
            found = rewriter.rewrite(transcript.text, ctx)
            if found is not None:
                return dataclasses.replace(found, speech_confidence=sure)
        return Rewrite(transcript.text, transcript.text, alternatives=transcript.alternatives, speech_confidence=sure)
