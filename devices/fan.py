"""A fan with speeds."""

from __future__ import annotations

from typing import Any

from devices.base import ON_OFF, SimDevice, choice, integer


class Fan(SimDevice):
    """`{"state": on|off, "percentage": 0-100}`; a speed above 0 turns it on, 0 turns it off."""

    command_keys = frozenset({"state", "percentage"})

    def default_state(self) -> dict[str, Any]:
        return {"state": "off", "percentage": 50}

    def _apply(self, state: dict[str, Any], command: dict[str, Any]) -> None:
        if "percentage" in command:
            speed = integer(command, "percentage", 0, 100)
            state.update(state="off") if speed == 0 else state.update(percentage=speed, state="on")
        if "state" in command:
            state["state"] = choice(command, "state", ON_OFF)
