"""Read-only states reported by the world: a person's presence, a window's contact sensor."""

from __future__ import annotations

from typing import Any

from devices.base import SimDevice


class Person(SimDevice):
    """`{"state": home|not_home|<zone>}`; it takes no commands, only `set_state`."""

    def default_state(self) -> dict[str, Any]:
        return {"state": "home"}


class BinarySensor(SimDevice):
    """`{"state": on|off}` (a window sensor: on is open); it takes no commands, only `set_state`."""

    def default_state(self) -> dict[str, Any]:
        return {"state": "off"}
