"""What a skill is, and what it may use: the home, device states, commands and services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from agent.clock import Clock
from agent.home import Device, Home
from agent.states import DeviceStates, matches
from agent.text import listed
from agent.turn import Action, Resolution, Result

if TYPE_CHECKING:
    from agent.habits import Habits
    from agent.teach.store import PreferenceStore
    from skills.restaurants import Restaurant
    from skills.sports import ScoreService
    from skills.weather import WeatherService


class Commander(Protocol):
    """Sends a command to a device (the MQTT bus in the agent)."""

    async def command(self, device: Device, payload: dict[str, Any]) -> None: ...

    @property
    def recovering(self) -> bool:
        """The connection to the home is lost, or came back moments ago: devices' "offline" may only have
        been the broker going down, and they are reconnecting."""
        ...


@dataclass
class Services:
    """What skills may use beyond the home and its devices; each is None when the agent runs without it."""

    weather: WeatherService | None = None
    """Current weather and forecasts (configuration `weather: simulated`, the only one that works offline)."""
    announce: Callable[[str, str], Awaitable[None]] | None = None
    """Say something on a satellite unprompted (a timer going off): (satellite, text)."""
    run_later: Callable[[str | None, str | None, str, float], Awaitable[None]] | None = None
    """Carry out a request later as if it were said then: (satellite, user, text, speech confidence)."""
    scores: ScoreService | None = None
    """Sports results (configuration `sports: simulated`, plausible made-up games, the only one offline)."""
    restaurants: Sequence[Restaurant] | None = None
    """Restaurants nearby, nearest first (configuration `restaurants: simulated`, a fixed listing)."""
    preferences: PreferenceStore | None = None
    """What users taught (teams, tastes, names, routines)."""
    habits: Habits | None = None
    """Each user's habits, learned from the turn log."""


@dataclass
class SkillContext:
    """Everything a skill may read or act on during one turn."""

    home: Home
    states: DeviceStates
    commander: Commander
    clock: Clock
    user: str
    satellite: Device | None
    """The device the user spoke to."""
    area: str | None
    """The area of the satellite."""
    services: Services = field(default_factory=Services)
    confirm_timeout_s: float = 2.0
    """How long (real seconds) to wait for a device to confirm a command."""

    def state(self, device_id: str) -> dict[str, Any]:
        return self.states.get(device_id)

    def device(self, device_id: str) -> Device:
        device = self.home.device(device_id)
        if device is None:
            raise KeyError(f"unknown device {device_id!r}")
        return device

    async def command(self, device_id: str, payload: dict[str, Any], expect: dict[str, Any] | None = None) -> Action:
        """Send `payload` and wait (bounded) until the device's state shows `expect` (default: payload)."""
        device = self.device(device_id)
        await self.commander.command(device, payload)
        confirmed = await self.states.wait_for(device_id, matches(expect or payload), self.confirm_timeout_s)
        return Action(device_id, payload, confirmed)


class Skill:
    """A self-contained unit that handles some intents. Subclasses in `skills/` register themselves."""

    intents: ClassVar[frozenset[str]] = frozenset()
    """Intent names this skill handles."""

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        raise NotImplementedError


def names(home: Home, device_ids: list[str] | tuple[str, ...]) -> str:
    """'the kitchen light and the oven' for speech (people by their names: 'Alice')."""
    spoken = [home.device_by_id[d].name if home.device_by_id[d].type == "person" else f"the {home.device_by_id[d].name}"
              for d in device_ids]
    return listed(spoken)
