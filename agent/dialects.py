"""Payload dialects of real devices, translated at the MQTT edge so the rest of the agent sees one convention.

`zigbee2mqtt` (also Home Assistant's MQTT JSON schema): states and commands in capitals ("ON", "OFF", "LOCK",
"UNLOCK", "OPEN", "CLOSE"; lock states "LOCKED"/"UNLOCKED"), brightness 0-254. The agent's own: lower case,
"lock"/"unlock" become the states "locked"/"unlocked", brightness in per cent.
"""

from __future__ import annotations

from typing import Any

from agent.home import Device

BRIGHTNESS_MAX = 254
"""Zigbee2MQTT's and Home Assistant's full brightness."""
COMMANDS = {"on": "ON", "off": "OFF", "locked": "LOCK", "unlocked": "UNLOCK", "open": "OPEN", "closed": "CLOSE",
            "stopped": "STOP"}
"""The agent's desired states as Zigbee2MQTT commands."""
STATES = {"close": "closed"}
"""Zigbee2MQTT states (lower-cased) that the agent calls otherwise."""


def to_agent(device: Device, state: dict[str, Any]) -> dict[str, Any]:
    """A state the device published, in the agent's convention."""
    if device.dialect == "ambient":
        return state
    found = dict(state)
    if isinstance(found.get("state"), str):
        found["state"] = STATES.get(found["state"].lower(), found["state"].lower())
    if isinstance(found.get("brightness"), (int, float)) and not isinstance(found["brightness"], bool):
        found["brightness"] = round(found["brightness"] * 100 / BRIGHTNESS_MAX)
    return found


def to_device(device: Device, command: dict[str, Any]) -> dict[str, Any]:
    """A command in the agent's convention, as the device takes it."""
    if device.dialect == "ambient":
        return command
    sent = dict(command)
    if isinstance(sent.get("state"), str):
        sent["state"] = COMMANDS.get(sent["state"], sent["state"].upper())
    if isinstance(sent.get("brightness"), (int, float)) and not isinstance(sent["brightness"], bool):
        sent["brightness"] = round(sent["brightness"] * BRIGHTNESS_MAX / 100)
    return sent
