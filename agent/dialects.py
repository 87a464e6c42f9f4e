"""Payload dialects of real devices, translated at the MQTT edge so the rest of the agent sees one convention.

`zigbee2mqtt` (also Home Assistant's MQTT JSON schema): JSON states and commands in capitals ("ON", "OFF",
"LOCK", "UNLOCK", "OPEN", "CLOSE", "STOP"; lock states "LOCKED"/"UNLOCKED"), brightness 0-254. `plain`
(Home Assistant's default MQTT schema for switches, covers, locks and lights): the state topic carries a bare
word ("ON", "open", "closing", "LOCKED") and the command topic takes one ("ON", "OPEN", "STOP", "UNLOCK").
The agent's own (`ambient`): JSON in lower case, "lock"/"unlock" become the states "locked"/"unlocked",
brightness in per cent. Whatever the dialect, a device's `properties` rename state keys (a Zigbee thermostat's
`occupied_heating_setpoint` is the agent's `target_temperature`).
"""

from __future__ import annotations

import json
from typing import Any

from agent.home import Device

BRIGHTNESS_MAX = 254
"""Zigbee2MQTT's and Home Assistant's full brightness."""
COMMANDS = {"on": "ON", "off": "OFF", "locked": "LOCK", "unlocked": "UNLOCK", "open": "OPEN", "closed": "CLOSE",
            "stopped": "STOP"}
"""The agent's desired states as Zigbee2MQTT commands."""
STATES = {"close": "closed"}
"""Zigbee2MQTT states (lower-cased) that the agent calls otherwise."""


MAX_WORD = 32
"""Longest state word a `plain` device may publish."""


class UnsupportedCommand(ValueError):
    """The device's dialect cannot say this command (a `plain` device takes only a state word)."""


def read_state(device: Device, raw: bytes) -> dict[str, Any]:
    """A state message the device published, in the agent's convention; ValueError saying why it is unreadable."""
    if device.dialect == "plain":
        word = raw.decode("utf-8").strip()
        if not word or len(word) > MAX_WORD or any(c.isspace() for c in word):
            raise ValueError(f"expected one state word such as ON or closed, got {raw[:40]!r}")
        return to_agent(device, {"state": word})
    try:
        state = json.loads(raw)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    except ValueError as exc:  # not UTF-8, or not JSON
        raise ValueError(f"not JSON ({exc})") from None
    if not isinstance(state, dict):
        raise ValueError(f"expected a JSON object, got {type(state).__name__}")
    return to_agent(device, state)


def refusal(device: Device, command: dict[str, Any]) -> str | None:
    """Why the device's dialect cannot say `command` (a `plain` device takes only a state word), or None."""
    if device.dialect == "plain" and (set(command) != {"state"} or command["state"] not in COMMANDS):
        return (f"{device.name} takes only on/off, open/close/stop or lock/unlock over MQTT, not "
                f"{', '.join(sorted(command))}")
    return None


def command_payload(device: Device, command: dict[str, Any]) -> str:
    """A command in the agent's convention as the device's set topic takes it; UnsupportedCommand when its
    dialect cannot say it."""
    if why := refusal(device, command):
        raise UnsupportedCommand(why)
    if device.dialect == "plain":
        return COMMANDS[command["state"]]
    return json.dumps(to_device(device, command))


def to_agent(device: Device, state: dict[str, Any]) -> dict[str, Any]:
    """A state the device published, in the agent's convention."""
    if device.properties:
        names = {theirs: ours for ours, theirs in device.properties.items()}
        state = {names.get(key, key): value for key, value in state.items()}
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
    if device.properties:
        command = {device.properties.get(key, key): value for key, value in command.items()}
    if device.dialect == "ambient":
        return command
    sent = dict(command)
    if isinstance(sent.get("state"), str):
        sent["state"] = COMMANDS.get(sent["state"], sent["state"].upper())
    if isinstance(sent.get("brightness"), (int, float)) and not isinstance(sent["brightness"], bool):
        sent["brightness"] = round(sent["brightness"] * BRIGHTNESS_MAX / 100)
    return sent
