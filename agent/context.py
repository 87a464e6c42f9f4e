"""The per-turn context every stage receives."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from agent.audio.frames import RequestAudio
from agent.dialogue.state import Dialogue
from agent.home import Device, Home
from agent.states import DeviceStates
from agent.trace import TurnTrace
from agent.turn import Resolution, Transcript


@dataclass
class TurnContext:
    """Who speaks, where, to which device, and what the agent knows right now."""

    home: Home
    user: str
    satellite: Device | None
    area: str | None
    states: DeviceStates
    dialogue: Dialogue
    trace: TurnTrace
    """The trace the pipeline writes. Stages do not read it: each gets what earlier stages found as its input,
    and what the turn began with from this context; feedback, learning and isolation read it after the turn."""
    just_happened: str | None = None
    """What had just happened in the home when the turn began ("alarm"), see `agent.moments`."""
    answered: Resolution | None = None
    """The request as the dialogue manager answered it, for the dialogue to remember when the turn ends."""
    audio: RequestAudio | None = None
    """Audio mode: the request's frames, from the wake phrase on (None for typed turns)."""
    heard: Transcript | None = None
    """Words recognized before the turn began (by the Wyoming server's speech to text), for the asr stage to
    pass on as they were heard."""
    began: float = field(default_factory=time.perf_counter)
    """When the turn began, on the monotonic clock its events are timed by."""

    @property
    def turn_id(self) -> str:
        return self.trace.turn_id

    @property
    def satellite_id(self) -> str:
        """The satellite spoken to ("console" when the home has none)."""
        return self.trace.device

    @property
    def now(self) -> float:
        return self.trace.started_at
