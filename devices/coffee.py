"""A coffee maker that brews for a while once switched on, and a kettle, which is quicker."""

from __future__ import annotations

from typing import Any

from devices.base import ON_OFF, SimDevice, choice


class CoffeeMaker(SimDevice):
    """`{"state": on|off, "brewing": bool}`; switching on brews for `brew_time`, then keeps warm."""

    command_keys = frozenset({"state"})
    tick_interval = 1.0
    brew_time = 240.0
    """Seconds of clock time a brew takes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._brewed_for = 0.0

    def default_state(self) -> dict[str, Any]:
        return {"state": "off", "brewing": False}

    def _apply(self, state: dict[str, Any], command: dict[str, Any]) -> None:
        wanted = choice(command, "state", ON_OFF)
        if wanted == "on" and state["state"] == "off":
            state["brewing"] = True
        if wanted == "off":
            state["brewing"] = False
        state["state"] = wanted

    def _step(self, dt: float) -> None:
        if not self.state["brewing"]:
            self._brewed_for = 0.0
            return
        self._brewed_for += dt
        if self._brewed_for >= self.brew_time:
            self.state["brewing"] = False


class Kettle(CoffeeMaker):
    """A coffee maker's state and commands; it boils for a shorter time."""

    brew_time = 150.0
