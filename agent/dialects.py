"""Payload dialects of real devices, translated at the MQTT edge so the rest of the agent sees one convention.

`zigbee2mqtt` (also Home Assistant's MQTT JSON schema): JSON states and commands in capitals ("ON", "OFF",
"LOCK", "UNLOCK", "OPEN", "CLOSE", "STOP"; lock states "LOCKED"/"UNLOCKED"), brightness 0-254. `plain`
(Home Assistant's default MQTT schema for switches, covers, locks and lights): the state topic carries a bare
word ("ON", "open", "closing", "LOCKED") and the command topic takes one ("ON", "OPEN", "STOP", "UNLOCK").
The agent's own (`ambient`): JSON in lower case, "lock"/"unlock" become the states "locked"/"unlocked",
brightness in per cent. Whatever the dialect, a device's `properties` rename state keys (a Zigbee thermostat's
`occupied_heating_setpoint` is the agent's `target_temperature`), and its `topics.attributes` carry single
values as bare numbers or words on topics of their own (Home Assistant's `brightness_command_topic`).
"""

from __future__ import annotations

import json
import math
from typing import Any

from agent import topics
from agent.home import Attribute, Device

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
        raise ValueError(f"expected a JSON object, got {type(state).__name__}")  # noqa: TRY004 - unreadable input
    return to_agent(device, state)


def read_attribute(device: Device, key: str, raw: bytes) -> dict[str, Any]:
    """A value the device published alone on `key`'s own topic, as a state update in the agent's convention;
    ValueError saying why it is unreadable."""
    word = raw.decode("utf-8").strip()
    if not word or len(word) > MAX_WORD or any(c.isspace() for c in word):
        raise ValueError(f"expected one number or word for {key}, got {raw[:40]!r}")
    try:
        number = float(word)
    except ValueError:
        return {key: word.lower()}
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number for {key}, got {word!r}")
    scale = device.topics.attributes[key].scale
    value = number * 100 / scale if scale else number
    return {key: round(value) if scale or value.is_integer() else value}


def refusal(device: Device, command: dict[str, Any]) -> str | None:
    """Why the device cannot take `command` (a `plain` device takes only a state word on its set topic, besides
    values with topics of their own), or None."""
    rest = {key: value for key, value in command.items() if _settable_alone(device, key) is None}
    if rest and device.dialect == "plain" and (set(rest) != {"state"} or rest["state"] not in COMMANDS):
        return (f"{device.name} takes only on/off, open/close/stop or lock/unlock over MQTT, not "
                f"{', '.join(sorted(rest))}")
    return None


def command_messages(device: Device, command: dict[str, Any]) -> list[tuple[str, str]]:
    """A command in the agent's convention as the (topic, payload) messages the device takes: each value with a
    topic of its own alone on that topic, the rest on the set topic; UnsupportedCommand when it cannot say it."""
    if why := refusal(device, command):
        raise UnsupportedCommand(why)
    messages, rest = [], {}
    for key, value in command.items():
        if (own := _settable_alone(device, key)) is not None and own.set is not None:
            messages.append((own.set, _bare(value, own.scale)))
        else:
            rest[key] = value
    if rest:
        payload = COMMANDS[rest["state"]] if device.dialect == "plain" else json.dumps(to_device(device, rest))
        messages.append((device.topic(topics.SET), payload))
    return messages


def _settable_alone(device: Device, key: str) -> Attribute | None:
    """`key`'s own topic, when the device takes that value alone on one."""
    attribute = device.topics.attributes.get(key)
    return attribute if attribute is not None and attribute.set else None


def _bare(value: Any, scale: float | None) -> str:
    """A value as a bare number or word, scaled from per cent to the device's `scale`."""
    if is_number(value):
        value = round(value * scale / 100) if scale else value
        return str(int(value)) if float(value).is_integer() else str(value)
    return str(value)


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
    if is_number(found.get("brightness")):
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
    if is_number(sent.get("brightness")):
        sent["brightness"] = round(sent["brightness"] * BRIGHTNESS_MAX / 100)
    return sent


def is_number(value: Any) -> bool:
    """An int or float in a payload (JSON's true and false are not numbers here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)
