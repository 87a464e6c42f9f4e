"""An oven that heats toward its target and cools toward room temperature."""

from __future__ import annotations

from typing import Any

from devices.base import ON_OFF, SimDevice, approach, choice, number

AMBIENT = 70.0
HEAT_RATE = 0.4
"""Degrees F per second while heating: 70 to 350 in about 12 minutes."""
COOL_RATE = 0.1
"""Degrees F per second while cooling."""


class Oven(SimDevice):
    """`{"state": on|off, "mode": bake|broil|convection, "target_temperature", "current_temperature"}`."""

    command_keys = frozenset({"state", "mode", "target_temperature"})
    tick_interval = 1.0

    def default_state(self) -> dict[str, Any]:
        return {"state": "off", "mode": "bake", "target_temperature": 350, "current_temperature": AMBIENT}

    def _apply(self, state: dict[str, Any], command: dict[str, Any]) -> None:
        if "state" in command:
            state["state"] = choice(command, "state", ON_OFF)
        if "mode" in command:
            state["mode"] = choice(command, "mode", ("bake", "broil", "convection"))
        if "target_temperature" in command:
            low, high = self.device.min_temp or 170, self.device.max_temp or 550
            state["target_temperature"] = number(command, "target_temperature", low, high)

    def _step(self, dt: float) -> None:
        current = self.state["current_temperature"]
        goal = self.state["target_temperature"] if self.state["state"] == "on" else AMBIENT
        rate = HEAT_RATE if current < goal else COOL_RATE
        self.state["current_temperature"] = approach(current, goal, rate * dt)
