"""Wyoming `handle`: a `transcript` -> a whole turn of the agent -> `handled` with the answer, or `not-handled`
with the reason, so Home Assistant can use the agent as its conversation agent.

The turn is the agent's own: it acts on the home over MQTT, is logged, teaches the online rewriter, and keeps
its satellite's dialogue (follow-ups, confirmations). Words this server's `asr` heard come with how sure the
recognizer was of them. Words another recognizer heard may be misheard, and it does not say how sure it was:
they are unsure (`safety.UNRATED_SPEECH`), so opening, unlocking and heating ask first; the answer to that
question is taken as said, since it can only confirm what the question named. Implicit feedback comes as in the
voice loop: the satellite's next request soon after a failed answer is a rephrase (`Agent.end_turn`), and a
request begun while the last answer was still being spoken interrupted it, a barge-in."""

from __future__ import annotations

import time

from wyoming.asr import Transcript as WyomingTranscript
from wyoming.event import Event
from wyoming.handle import Handled, NotHandled

from agent.agent import Agent
from agent.asr.text import kept_words
from agent.dialogue.safety import UNRATED_SPEECH
from agent.dialogue.state import Dialogue
from agent.trace import Stage, TurnTrace
from agent.tts.engine import speaking_s
from agent.turn import Outcome, Transcript
from agent.wyoming.asr import HeardLately
from agent.wyoming.satellite import satellite_of

HANDLED = frozenset({Outcome.SUCCESS, Outcome.UNCONFIRMED, Outcome.CLARIFY, Outcome.CONFIRM})
"""Outcomes answered with `handled`; the others (nothing to act on, nothing can serve it, a failure) with
`not-handled`, whose text Home Assistant speaks as the error."""
SPEECH_LEAD_S = 0.5
"""About how long after the answer is given the satellite starts saying it (text to speech, playback)."""


class HandleService:
    """Runs a turn for each transcript, per satellite."""

    def __init__(self, agent: Agent, heard: HeardLately) -> None:
        self.agent = agent
        self.heard = heard
        self._speaking: dict[str, tuple[TurnTrace, float]] = {}
        """Satellite -> its last answered turn and when saying the answer ends (monotonic seconds)."""

    async def handle(self, said: WyomingTranscript) -> Event:
        where = satellite_of(self.agent.home, said.context)
        heard = self.heard.recall(said.text)
        ctx = self.agent.new_turn(None, where.device, text=said.text, remote=where.remote)
        ctx.heard = heard.transcript if heard is not None else heard_elsewhere(said.text, ctx.dialogue)
        self._interrupting(ctx.satellite_id, heard.began if heard is not None else time.monotonic())
        await self.agent.running_pipeline.run(said.text, ctx, start=Stage.ASR, end=Stage.RESULT)
        self.agent.end_turn(ctx)
        trace, answer = ctx.trace, ctx.trace.response or ""
        self._speaking[trace.device] = (trace, time.monotonic() + SPEECH_LEAD_S + speaking_s(answer))
        context = {**(said.context or {}), "turn_id": trace.turn_id}
        return (Handled if trace.outcome in HANDLED else NotHandled)(answer, context).event()

    def _interrupting(self, satellite: str, began: float) -> None:
        """A request begun while the satellite's last answer was being said interrupts it."""
        last = self._speaking.pop(satellite, None)
        if last is not None and began < last[1]:
            self.agent.barge_in(last[0], "a new request")


def heard_elsewhere(text: str, dialogue: Dialogue) -> Transcript:
    """Words another recognizer heard: unsure, unless they answer a question waiting for a yes."""
    return Transcript(kept_words(text), 1.0 if dialogue.pending is not None else UNRATED_SPEECH, engine="wyoming")
