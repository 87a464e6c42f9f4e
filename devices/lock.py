"""A door lock, which can jam."""

from __future__ import annotations

from typing import Any

from devices.base import CommandError, SimDevice, choice


class Lock(SimDevice):
    """`{"state": locked|unlocked|jammed}`; a jammed lock refuses commands until freed."""

    command_keys = frozenset({"state"})

    def default_state(self) -> dict[str, Any]:
        return {"state": "locked"}

    def _apply(self, state: dict[str, Any], command: dict[str, Any]) -> None:
        wanted = choice(command, "state", ("locked", "unlocked"))
        if state["state"] == "jammed":
            raise CommandError(f"{self.device.name} is jammed")
        state["state"] = wanted
