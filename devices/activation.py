"""Scenes and scripts: activated, they remember when."""

from __future__ import annotations

from typing import Any

from devices.base import SimDevice, choice


class Activation(SimDevice):
    """`{"state": idle|on, "activated": clock time or None}`: the `on` command activates it (Home Assistant's
    scene and script turn_on)."""

    command_keys = frozenset({"state"})

    def default_state(self) -> dict[str, Any]:
        return {"state": "idle", "activated": None}

    def _apply(self, state: dict[str, Any], command: dict[str, Any]) -> None:
        state["state"] = choice(command, "state", ("on",))
        state["activated"] = round(self.clock.now(), 3)
