"""Importing a real home's devices from the broker: Home Assistant MQTT discovery and Zigbee2MQTT.

Home Assistant discovery: retained configs on `homeassistant/<component>/[<node_id>/]<object_id>/config`
(JSON, abbreviated keys and a `~` base topic allowed: `stat_t`, `cmd_t`, `avty_t`, `uniq_id`, `dev`, `sa`,
`dev_cla`), with the topics the device uses; a `device.suggested_area` becomes the device's area; `schema:
json` devices speak the `zigbee2mqtt` payload dialect, the others (Home Assistant's default schema) bare words,
the `plain` dialect (`agent.dialects`), with brightness, position, temperatures and mode on topics of their own
(`brightness_command_topic`, ...) when the config names them; scenes (no state topic) and device trackers (a
person's presence) too. Zigbee2MQTT: the retained device list on `zigbee2mqtt/bridge/devices`,
whose `definition.exposes` say what each device is; its topics are `zigbee2mqtt/<friendly_name>` (state),
`.../set` and `.../availability`, in the `zigbee2mqtt` dialect. The result is a home file people can read and
edit.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any, cast

import aiomqtt

from agent.broker import BrokerAddress
from agent.dialects import is_number
from agent.home import Area, Attribute, Device, DeviceType, Home, Topics

log = logging.getLogger(__name__)
DISCOVERY = ("homeassistant/+/+/config", "homeassistant/+/+/+/config", "zigbee2mqtt/bridge/devices")
COMPONENTS: dict[str, DeviceType] = {
    "light": "light", "switch": "switch", "fan": "fan", "lock": "lock", "cover": "cover", "valve": "valve",
    "climate": "climate", "sensor": "sensor", "binary_sensor": "binary_sensor", "vacuum": "vacuum",
    "scene": "scene", "device_tracker": "person"}
"""Home Assistant components and Zigbee2MQTT expose types -> the agent's device types."""
STATELESS = frozenset({"scene"})
"""Components that take a command and report nothing (an MQTT scene): the agent reads its own last command as
the state, so "activate movie night" is confirmed once the broker carried it."""
ABBREVIATIONS = {"stat_t": "state_topic", "cmd_t": "command_topic", "avty_t": "availability_topic",
                 "uniq_id": "unique_id", "dev": "device", "sa": "suggested_area", "dev_cla": "device_class",
                 "obj_id": "object_id", "bri_stat_t": "brightness_state_topic", "bri_cmd_t": "brightness_command_topic",
                 "bri_scl": "brightness_scale", "pos_t": "position_topic", "set_pos_t": "set_position_topic",
                 "pos_open": "position_open", "temp_stat_t": "temperature_state_topic",
                 "temp_cmd_t": "temperature_command_topic", "curr_temp_t": "current_temperature_topic",
                 "mode_stat_t": "mode_state_topic", "mode_cmd_t": "mode_command_topic",
                 "pct_stat_t": "percentage_state_topic", "pct_cmd_t": "percentage_command_topic",
                 "spd_rng_max": "speed_range_max"}
ATTRIBUTES = {"brightness": ("brightness_state_topic", "brightness_command_topic", "brightness_scale", 255),
              "position": ("position_topic", "set_position_topic", "position_open", 100),
              "percentage": ("percentage_state_topic", "percentage_command_topic", "speed_range_max", 100),
              "target_temperature": ("temperature_state_topic", "temperature_command_topic", None, None),
              "current_temperature": ("current_temperature_topic", None, None, None),
              "mode": ("mode_state_topic", "mode_command_topic", None, None)}
"""The agent's state keys that Home Assistant's default schema gives topics of their own: (state topic, command
topic, the config's full-scale key and its default) for values the agent keeps in per cent."""
Z2M_PROPERTIES = {"occupied_heating_setpoint": "target_temperature", "current_heating_setpoint": "target_temperature",
                  "local_temperature": "current_temperature", "system_mode": "mode"}
"""Zigbee2MQTT thermostat and radiator valve properties -> the agent's climate state keys."""
UNASSIGNED = "unassigned"
"""The area of devices that came without one (edit the home file to place them)."""
CONNECT_S = 10.0
"""How long connecting to the broker may take."""


async def discover(address: BrokerAddress, wait_s: float = 1.5) -> list[tuple[Device, str]]:
    """Devices announced on the broker (retained discovery messages arrive at once), each with its area's name."""
    try:
        messages = await asyncio.wait_for(address.messages(DISCOVERY, wait_s, "ambient-discovery"), wait_s + CONNECT_S)
    except (aiomqtt.MqttError, TimeoutError) as exc:
        raise ConnectionError(address.unreachable(str(exc) or None)) from None
    found = {device.id: (device, area) for topic, payload in messages for device, area in parse(topic, payload)}
    return list(found.values())


def parse(topic: str, payload: bytes) -> list[tuple[Device, str]]:
    """The devices one discovery message announces (none, with a log line, when it cannot be read)."""
    try:
        data = json.loads(payload) if payload else None
    except (ValueError, RecursionError):
        log.warning("discovery message on %s is not JSON: ignored", topic)
        return []
    if topic == "zigbee2mqtt/bridge/devices":
        return [d for entry in (data if isinstance(data, list) else []) if (d := _zigbee2mqtt(entry))]
    parts = topic.split("/")
    found = _home_assistant(parts[1], parts[-2], data) if isinstance(data, dict) else None
    return [found] if found else []


def _home_assistant(component: str, object_id: str, config: dict[str, Any]) -> tuple[Device, str] | None:
    config = {key: _base_topic(v, config.get("~")) if key.endswith("_topic") else v
              for k, v in config.items() if (key := ABBREVIATIONS.get(k, k))}
    kind = COMPONENTS.get(component)
    state, command = config.get("state_topic"), config.get("command_topic")
    if component in STATELESS and state is None:
        state = command
    attributes = _attributes(config)
    if kind is None or not (isinstance(state, str) or any(a.state for a in attributes.values())):
        log.info("discovery: %s %s not imported (no state topic, or a kind the agent does not use)",
                 component, object_id)
        return None
    info = config.get("device")
    device_info = {ABBREVIATIONS.get(k, k): v for k, v in info.items()} if isinstance(info, dict) else {}
    name = str(config.get("name") or device_info.get("name") or object_id)
    area = str(device_info.get("suggested_area") or UNASSIGNED)
    availability = config.get("availability_topic")
    device = Device(id=ident(str(config.get("unique_id") or object_id)), name=name if kind == "person" else name.lower(),
                    area=ident(area),
                    type=kind, device_class=config.get("device_class"),
                    dialect="zigbee2mqtt" if config.get("schema") == "json" else "plain",
                    min_temp=_number(config.get("min_temp")), max_temp=_number(config.get("max_temp")),
                    topics=Topics(state=state if isinstance(state, str) else None,
                                  set=command if isinstance(command, str) else None,
                                  availability=availability if isinstance(availability, str) else None,
                                  attributes=attributes))
    return device, area


def _attributes(config: dict[str, Any]) -> dict[str, Attribute]:
    """The values a Home Assistant default-schema device publishes or takes on topics of their own."""
    found = {}
    for key, (state, command, scale_key, default_scale) in ATTRIBUTES.items():
        state_topic, command_topic = config.get(state), config.get(command) if command else None
        if not isinstance(state_topic, str) and not isinstance(command_topic, str):
            continue
        scale = _number(config.get(scale_key, default_scale)) if scale_key else None
        found[key] = Attribute(state=state_topic if isinstance(state_topic, str) else None,
                               set=command_topic if isinstance(command_topic, str) else None,
                               scale=scale if scale and scale != 100 else None)
    return found


def _number(value: Any) -> float | None:
    return float(value) if is_number(value) else None


def _base_topic(value: Any, base: Any) -> Any:
    """A topic with Home Assistant's `~` (the config's base topic) written out."""
    if not isinstance(value, str) or not isinstance(base, str):
        return value
    if value.startswith("~"):
        return base + value[1:]
    return value[:-1] + base if value.endswith("~") else value


def _zigbee2mqtt(entry: Any) -> tuple[Device, str] | None:
    if not isinstance(entry, dict) or entry.get("type") == "Coordinator":
        return None
    name = entry.get("friendly_name")
    exposes = (entry.get("definition") or {}).get("exposes") or []
    kinds = [COMPONENTS[e["type"]] for e in exposes if isinstance(e, dict) and e.get("type") in COMPONENTS]
    if not isinstance(name, str) or not kinds:
        return None
    base = f"zigbee2mqtt/{name}"
    area = str(entry.get("area") or UNASSIGNED)
    features = [f for e in exposes if isinstance(e, dict) for f in e.get("features") or [] if isinstance(f, dict)]
    properties = {Z2M_PROPERTIES[p]: p for f in features if (p := f.get("property")) in Z2M_PROPERTIES}
    device = Device(id=ident(name), name=name.replace("_", " ").lower(), area=ident(area), type=kinds[0],
                    dialect="zigbee2mqtt", properties=properties,
                    topics=Topics(state=base, set=f"{base}/set", availability=f"{base}/availability"))
    return device, area


def import_devices(found: list[tuple[Device, str]], home: Home | None = None) -> Home:
    """`home` (or an empty one) with the discovered devices added; devices it already has are kept as they are
    (people may have renamed or moved them)."""
    home = home or Home(name="home", areas=[], devices=[])
    areas = {a.id: a for a in home.areas}
    devices = {d.id: d for d in home.devices}
    for device, area_name in found:
        if device.id in devices:
            continue
        assert device.area is not None  # discovered devices always have one
        areas.setdefault(device.area, Area(id=device.area, name=area_name.replace("_", " ").lower()))
        devices[device.id] = device
    return Home(name=home.name, location=home.location, areas=list(areas.values()), devices=list(devices.values()),
                users=home.users)


def home_yaml(home: Home) -> str:
    """The home as a home file."""
    import yaml

    data = home.model_dump(mode="json", exclude_defaults=True)
    return cast(str, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))  # the text, given no stream


def ident(text: str) -> str:
    """An id the home file accepts ("Porch Light" -> porch_light)."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "device"
