"""A thermostat: the room drifts toward the target while heating or cooling."""

from __future__ import annotations

from typing import Any

from devices.base import SimDevice, approach, choice, number

DRIFT_RATE = 1 / 60
"""Degrees F per second the room moves toward the target: one a minute."""


class Climate(SimDevice):
    """`{"mode": heat|cool|off, "target_temperature", "current_temperature"}`."""

    command_keys = frozenset({"mode", "target_temperature"})
    tick_interval = 6.0
    """A tenth of a degree per tick, the resolution the state is published at."""

    def default_state(self) -> dict[str, Any]:
        return {"mode": "heat", "target_temperature": 68, "current_temperature": 68}

    def _apply(self, state: dict[str, Any], command: dict[str, Any]) -> None:
        if "mode" in command:
            state["mode"] = choice(command, "mode", ("heat", "cool", "off"))
        if "target_temperature" in command:
            low, high = self.device.min_temp or 50, self.device.max_temp or 90
            state["target_temperature"] = number(command, "target_temperature", low, high)

    def _step(self, dt: float) -> None:
        if self.state["mode"] != "off":
            current, goal = self.state["current_temperature"], self.state["target_temperature"]
            self.state["current_temperature"] = approach(current, goal, DRIFT_RATE * dt)
