"""A read-only temperature and humidity sensor."""

from __future__ import annotations

from typing import Any

from devices.base import SimDevice


class Sensor(SimDevice):
    """`{"temperature", "humidity"}`; it takes no commands, only `set_state`."""

    def default_state(self) -> dict[str, Any]:
        return {"temperature": 70.0, "humidity": 40.0}
