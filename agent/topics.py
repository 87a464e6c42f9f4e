"""The MQTT topic contract (see README, "MQTT topics")."""

from __future__ import annotations

STATE = "state"
SET = "set"
AVAILABILITY = "availability"
ONLINE = "online"
OFFLINE = "offline"
MAX_PAYLOAD_BYTES = 64 * 1024


def device_topic(device_id: str, kind: str) -> str:
    """`home/<device_id>/<kind>` where kind is state, set or availability."""
    return f"home/{device_id}/{kind}"


def agent_topic(satellite_id: str, event: str) -> str:
    """`ambient/<satellite_id>/<event>`: wake, transcript, intent, result, speaking, barge_in."""
    return f"ambient/{satellite_id}/{event}"


def parse_device_topic(topic: str) -> tuple[str, str] | None:
    """(device_id, kind) for a `home/<id>/<kind>` topic, else None."""
    parts = topic.split("/")
    if len(parts) != 3 or parts[0] != "home" or not parts[1]:
        return None
    return parts[1], parts[2]
