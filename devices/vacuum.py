"""A robot vacuum that cleans and drives back to its dock."""

from __future__ import annotations

from typing import Any

from devices.base import CommandError, SimDevice, choice, text


class Vacuum(SimDevice):
    """`{"state": docked|cleaning|returning, "cleaning_area": area id or None}`; sent home it returns for
    `return_time`, then docks. Cleaning may be limited to one area (`area` with `state` cleaning)."""

    command_keys = frozenset({"state", "area"})
    tick_interval = 1.0
    return_time = 30.0
    """Seconds of clock time it takes to drive back to the dock."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._returning_for = 0.0

    def default_state(self) -> dict[str, Any]:
        return {"state": "docked", "cleaning_area": None}

    def _apply(self, state: dict[str, Any], command: dict[str, Any]) -> None:
        wanted = choice(command, "state", ("cleaning", "docked"))
        if "area" in command and wanted != "cleaning":
            raise CommandError("an area goes with state cleaning")
        if wanted == "cleaning":
            state["state"] = "cleaning"
            state["cleaning_area"] = text(command, "area") if "area" in command else None
        elif state["state"] == "cleaning":
            state["state"] = "returning"

    def _step(self, dt: float) -> None:
        if self.state["state"] != "returning":
            self._returning_for = 0.0
            return
        self._returning_for += dt
        if self._returning_for >= self.return_time:
            self.state["state"] = "docked"
