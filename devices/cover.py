"""A cover (garage door, blinds, curtains) or a valve: it takes time to travel, and reverses when obstructed."""

from __future__ import annotations

from typing import Any

from devices.base import SimDevice, choice, integer


class Cover(SimDevice):
    """`{"state": closed|opening|open|closing, "position": 0-100, "target": 0-100, "obstructed": bool}`;
    commands: `state` open/closed/stopped, or `position` to travel to."""

    command_keys = frozenset({"state", "position"})
    tick_interval = 1.0
    travel_time = 10.0
    """Seconds of clock time from fully closed to fully open."""

    def default_state(self) -> dict[str, Any]:
        return {"state": "closed", "position": 0, "target": 0, "obstructed": False}

    def _apply(self, state: dict[str, Any], command: dict[str, Any]) -> None:
        if "position" in command:
            self._travel(state, integer(command, "position", 0, 100))
            return
        wanted = choice(command, "state", ("open", "closed", "stopped"))
        if wanted == "stopped":
            if state["state"] in ("opening", "closing"):
                state["target"] = state["position"]
                state["state"] = "open" if state["position"] > 0 else "closed"
            return
        self._travel(state, 100 if wanted == "open" else 0)

    @staticmethod
    def _travel(state: dict[str, Any], target: int) -> None:
        state["target"] = target
        position = state["position"]
        if target > position:
            state["state"] = "opening"
        elif target < position:
            state["state"] = "closing"
        else:
            state["state"] = "open" if position > 0 else "closed"

    def _step(self, dt: float) -> None:
        state = self.state
        if state["state"] == "closing" and state["obstructed"]:
            state["state"], state["target"] = "opening", 100
        travel = 100 * dt / self.travel_time
        if state["state"] == "opening":
            state["position"] = round(min(state["target"], state["position"] + travel), 1)
        elif state["state"] == "closing":
            state["position"] = round(max(state["target"], state["position"] - travel), 1)
        if state["state"] in ("opening", "closing") and state["position"] == state["target"]:
            state["state"] = "open" if state["position"] > 0 else "closed"
