"""The per-turn context every stage receives."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from agent.audio.frames import AudioFrame
from agent.dialogue.state import Dialogue
from agent.home import Device, Home
from agent.states import DeviceStates
from agent.trace import TurnTrace


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
    """The trace being built: later stages may read what earlier ones did."""
    audio: asyncio.Queue[AudioFrame | None] | None = None
    """Audio mode: frames after the wake phrase (None ends the stream)."""

    @property
    def turn_id(self) -> str:
        return self.trace.turn_id

    @property
    def now(self) -> float:
        return self.trace.started_at
