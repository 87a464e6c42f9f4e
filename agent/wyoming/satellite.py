"""Which satellite a Wyoming request comes from, read from the context the client sends (Home Assistant sends
`satellite_id`, `device_id` and `conversation_id`): a satellite of the home file that lists the id among its
`external_ids`, else a remote satellite of that id, whose turns keep a dialogue of their own."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from agent.home import Home

UNSAFE = re.compile(r"[^A-Za-z0-9_.:-]+")
"""Characters an id may not keep: it becomes an MQTT topic level (`ambient/<satellite>/...`)."""
ANONYMOUS = "wyoming"
"""The remote satellite of requests whose context names none."""


@dataclass(frozen=True)
class Where:
    """A request's satellite: a device of the home, or a remote id."""

    device: str | None = None
    remote: str | None = None


def satellite_of(home: Home, context: dict[str, Any] | None) -> Where:
    """The satellite a request with `context` was spoken to."""
    ids = [value for key in ("satellite_id", "device_id", "conversation_id")
           if isinstance(value := (context or {}).get(key), str) and value]
    known = (home.satellite_known_as(external_id) for external_id in ids)
    if (device := next((d for d in known if d is not None), None)) is not None:
        return Where(device=device.id)
    return Where(remote=UNSAFE.sub("_", ids[0]) if ids else ANONYMOUS)
