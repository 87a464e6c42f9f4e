"""An on/off switch (a fan, a plug)."""

from __future__ import annotations

from typing import Any

from devices.base import ON_OFF, SimDevice, choice


class Switch(SimDevice):
    """`{"state": on|off}`."""

    command_keys = frozenset({"state"})

    def default_state(self) -> dict[str, Any]:
        return {"state": "off"}

    def _apply(self, state: dict[str, Any], command: dict[str, Any]) -> None:
        state["state"] = choice(command, "state", ON_OFF)
