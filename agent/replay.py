"""Replaying a logged turn from its events: what the agent makes of the same request now.

The turn restarts from its `transcript` event (what was heard, so no recording is needed), else from the input its
`run-start` event carries (typed text). It is not logged and does not end the satellite's dialogue.
"""

from __future__ import annotations

from typing import Any

from agent.agent import Agent
from agent.trace import Stage, TurnTrace
from agent.turn import Transcript


class NothingToReplay(ValueError):
    """The turn's events hold no request (no wake phrase, no speech, or a turn logged without events)."""


def replay_input(trace: TurnTrace) -> tuple[Any, Stage]:
    """The request the turn's events say it had, and the stage it restarts at."""
    for event in trace.events:
        if event.name == "transcript" and isinstance(heard := event.data.get(Stage.ASR.value), dict):
            return Transcript(**{**heard, "alternatives": tuple(heard.get("alternatives") or ())}), Stage.REWRITE
    began = next((e.data for e in trace.events if e.name == "run-start"), {})
    if isinstance(began.get("input"), str):
        return began["input"], Stage(began.get("start", Stage.WAKE.value))
    raise NothingToReplay(f"turn {trace.turn_id} has no request to replay (it ended {trace.outcome or 'unfinished'})")


async def replay(agent: Agent, trace: TurnTrace, end: Stage = Stage.RESOLVE) -> TurnTrace:
    """Run the turn's request again, by the same user on the same satellite, up to `end` (by default it is only
    understood and resolved: nothing is switched); returns the new trace."""
    data, start = replay_input(trace)
    said = data.text if isinstance(data, Transcript) else data
    ctx = agent.new_turn(trace.user, trace.device if agent.home.device(trace.device) else None, text=said)
    await agent.running_pipeline.run(data, ctx, start=start, end=end)
    return ctx.trace
