"""A garage door that takes time to travel and reverses when obstructed."""

from __future__ import annotations

from typing import Any

from devices.base import SimDevice, choice


class Cover(SimDevice):
    """`{"state": closed|opening|open|closing, "position": 0-100, "obstructed": bool}`."""

    command_keys = frozenset({"state"})
    tick_interval = 1.0
    travel_time = 10.0
    """Seconds of clock time from fully closed to fully open."""

    def default_state(self) -> dict[str, Any]:
        return {"state": "closed", "position": 0, "obstructed": False}

    def _apply(self, state: dict[str, Any], command: dict[str, Any]) -> None:
        wanted = choice(command, "state", ("open", "closed", "stopped"))
        position = state["position"]
        if wanted == "open":
            state["state"] = "open" if position >= 100 else "opening"
        elif wanted == "closed":
            state["state"] = "closed" if position <= 0 else "closing"
        elif state["state"] in ("opening", "closing"):
            state["state"] = "open" if position > 0 else "closed"

    def _step(self, dt: float) -> None:
        state = self.state
        if state["state"] == "closing" and state["obstructed"]:
            state["state"] = "opening"
        travel = 100 * dt / self.travel_time
        if state["state"] == "opening":
            state["position"] = round(min(100, state["position"] + travel), 1)
            if state["position"] >= 100:
                state["state"] = "open"
        elif state["state"] == "closing":
            state["position"] = round(max(0, state["position"] - travel), 1)
            if state["position"] <= 0:
                state["state"] = "closed"
