"""A dimmable, coloured light."""

from __future__ import annotations

from typing import Any

from devices.base import ON_OFF, SimDevice, choice, integer, text


class Light(SimDevice):
    """`{"state": on|off, "brightness": 0-100, "color": str, "color_temp": kelvin}`; brightness > 0 turns it on;
    a colour temperature makes it white of that warmth."""

    command_keys = frozenset({"state", "brightness", "color", "color_temp"})

    def default_state(self) -> dict[str, Any]:
        return {"state": "off", "brightness": 100, "color": "white", "color_temp": 2700}

    def _apply(self, state: dict[str, Any], command: dict[str, Any]) -> None:
        if "brightness" in command:
            brightness = integer(command, "brightness", 0, 100)
            if brightness == 0:
                state["state"] = "off"
            else:
                state.update(brightness=brightness, state="on")
        if "color" in command:
            state["color"] = text(command, "color").lower()
        if "color_temp" in command:
            state.update(color_temp=integer(command, "color_temp", 1000, 10000), color="white", state="on")
        if "state" in command:
            state["state"] = choice(command, "state", ON_OFF)
