"""The scenario file: a home, initial device states, timed steps and expectations."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationInfo,
    field_validator,
    model_validator,
)

from agent.yamlfile import load_model


class Expect(BaseModel):
    """What must be true after a turn; every field is optional."""

    model_config = ConfigDict(extra="forbid")
    intent: str | None = None
    slots: dict[str, Any] = {}
    """Each given slot must have this value."""
    outcome: str | None = None
    devices: list[str] | None = None
    """Exactly these devices were acted on or read."""
    states: dict[str, dict[str, Any]] = {}
    """Per device, keys that must have these values (a list means any of them)."""
    response_contains: list[str] = []
    response_excludes: list[str] = []

    @field_validator("response_contains", "response_excludes", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class Step(BaseModel):
    """One of: the user says something, time passes, or something happens to a device."""

    model_config = ConfigDict(extra="forbid")
    say: str | None = None
    user: str | None = None
    device: str | None = None
    """With `say`: the satellite spoken to. With `set`: the device it happens to."""
    wait: float | None = None
    """Seconds of (virtual) time that pass."""
    set: dict[str, Any] | None = None
    """A physical change to `device`'s state (someone turns the oven on by hand)."""
    barge_in: float | None = None
    """With `say`: the user starts speaking this many seconds into the agent's previous answer."""
    expect: Expect | None = None

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        actions = [a for a in ("say", "wait", "set") if getattr(self, a) is not None]
        if len(actions) != 1:
            raise ValueError("each step needs exactly one of say, wait or set")
        if self.set is not None and not self.device:
            raise ValueError("a set step needs the device it happens to")
        if self.barge_in is not None and self.say is None:
            raise ValueError("barge_in goes with a say step")
        return self


class Scenario(BaseModel):
    """A whole scripted scenario."""

    model_config = ConfigDict(extra="forbid")
    name: str
    home: Path
    """Home file, relative to the scenario file."""
    start: datetime = datetime(2026, 11, 23, 7, 0)
    """Virtual local time when the scenario begins."""
    require_wake: bool = True
    initial: dict[str, dict[str, Any]] = {}
    """Device states at the start, by device id."""
    steps: list[Step]

    @model_validator(mode="before")
    @classmethod
    def _not_a_home(cls, data: Any) -> Any:
        if isinstance(data, dict) and "devices" in data and "steps" not in data:
            raise ValueError("this is a home file, not a scenario (a scenario has a name, its home and steps, like "
                             "scenarios/morning.yaml); a home goes with --home")
        return data

    @field_validator("home")
    @classmethod
    def _relative_to_file(cls, value: Path, info: ValidationInfo) -> Path:
        base = Path((info.context or {}).get("path", ".")).parent
        path = value if value.is_absolute() else base / value
        if not path.is_file():
            raise ValueError(f"home file not found: {path}")
        return path


def load_scenario(path: Path | str) -> Scenario:
    """Load and validate a scenario; raises ConfigError naming the file, line and field."""
    return load_model(path, Scenario)
