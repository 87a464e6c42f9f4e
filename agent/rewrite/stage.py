"""The rewrite stage and the interface every rewriter implements."""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

from agent.teach.parse import teaching
from agent.turn import Rewrite, Transcript


class Rewriter(Protocol):
    """One source of rewrites (a precomputed table, online retrieval, taught preferences)."""

    def rewrite(self, text: str, ctx: Any) -> Rewrite | None: ...


class RewriteStage:
    """Applies the first rewriter that fires, in order (taught names first); passes the text through when none
    does."""

    def __init__(self, rewriters: list[Rewriter] | None = None) -> None:
        self.rewriters = list(rewriters or [])

    async def process(self, transcript: Transcript, ctx: Any = None) -> Rewrite:
        sure = transcript.confidence
        answering = ctx is not None and ctx.dialogue.expects_answer(ctx.user)
        if answering or teaching(transcript.text) is not None:  # what a user teaches is taken as said
            return Rewrite(transcript.text, transcript.text, speech_confidence=sure)
        for rewriter in self.rewriters:
            found = rewriter.rewrite(transcript.text, ctx)
            if found is not None:
                return dataclasses.replace(found, speech_confidence=sure)
        return Rewrite(transcript.text, transcript.text, alternatives=transcript.alternatives, speech_confidence=sure)
