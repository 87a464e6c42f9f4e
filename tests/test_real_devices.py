"""Real device interop through a real mosquitto: Home Assistant MQTT discovery and Zigbee2MQTT devices are
imported into a home file and controlled in their own payload dialect."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiomqtt

from agent.agent import Agent
from agent.broker import mosquitto_broker, parse_broker_url
from agent.clock import SystemClock
from agent.config import AgentConfig
from agent.home import load_home
from agent.nlu.model import NluModel

# As Home Assistant documents MQTT discovery (abbreviated keys, JSON schema light) and as Zigbee2MQTT publishes
# its retained device list (trimmed to the fields used).
HA_PORCH_LIGHT = {"~": "porch/light", "name": "Porch Light", "uniq_id": "porch_light_01", "schema": "json",
                  "stat_t": "~/state", "cmd_t": "~/set", "avty_t": "~/availability",
                  "brightness": True, "dev": {"ids": ["porch01"], "name": "Porch Light", "sa": "Porch"}}
HA_GARAGE = {"name": "Garage Door", "unique_id": "garage_door_01", "device_class": "garage",
             "state_topic": "garage/door/state", "command_topic": "garage/door/set",
             "pos_t": "garage/door/position", "pos_open": 255,  # its travel reported as 0-255
             "device": {"identifiers": ["gd1"], "suggested_area": "Garage"}}
HA_DESK_LAMP = {"name": "Desk Lamp", "unique_id": "desk_lamp", "state_topic": "study/lamp", "command_topic": "study/lamp/set",
                "device": {"suggested_area": "Study"}}  # the default schema: bare ON/OFF
HA_MOTION = {"name": "Hall Motion", "unique_id": "hall_motion", "device": {"suggested_area": "Hallway"}}  # no topic
HA_FAN = {"name": "Attic Fan", "uniq_id": "attic_fan", "~": "attic/fan", "stat_t": "~/state", "cmd_t": "~/set",
          "pct_stat_t": "~/speed", "pct_cmd_t": "~/speed/set", "dev": {"sa": "Attic"}}
HA_SCENE = {"name": "Movie Time", "unique_id": "movie_time", "command_topic": "scenes/movie_time/set",
            "device": {"suggested_area": "Living Room"}}  # an MQTT scene reports nothing
HA_TRACKER = {"name": "Carol", "unique_id": "carol_phone", "state_topic": "presence/carol"}
HA_WINDOW = {"name": "Kitchen Window", "unique_id": "kitchen_window", "state_topic": "kitchen/window",
             "device_class": "window", "device": {"suggested_area": "Kitchen"}}
Z2M_DEVICES = [
    {"friendly_name": "Coordinator", "type": "Coordinator", "ieee_address": "0x00124b0000000000"},
    {"friendly_name": "kitchen_lamp", "type": "Router", "ieee_address": "0x0017880100000001",
     "definition": {"model": "9290012573A", "vendor": "Philips", "description": "Hue white and color ambiance",
                    "exposes": [{"type": "light", "features": [
                        {"type": "binary", "name": "state", "property": "state", "value_on": "ON", "value_off": "OFF"},
                        {"type": "numeric", "name": "brightness", "property": "brightness", "value_min": 0,
                         "value_max": 254}]}]}},
    {"friendly_name": "front_lock", "type": "EndDevice", "ieee_address": "0x0017880100000002",
     "definition": {"model": "YRD226HA2619", "vendor": "Yale", "description": "Assure lock",
                    "exposes": [{"type": "lock", "features": [{"type": "binary", "name": "state", "property": "state",
                                                               "value_on": "LOCK", "value_off": "UNLOCK"}]}]}},
    {"friendly_name": "hall_thermostat", "type": "EndDevice", "ieee_address": "0x0017880100000003",
     "definition": {"model": "SLR1b", "vendor": "Hive", "description": "Heating thermostat",
                    "exposes": [{"type": "climate", "features": [
                        {"type": "numeric", "name": "occupied_heating_setpoint", "property": "occupied_heating_setpoint",
                         "value_min": 5, "value_max": 32, "unit": "°C"},
                        {"type": "numeric", "name": "local_temperature", "property": "local_temperature", "unit": "°C"},
                        {"type": "enum", "name": "system_mode", "property": "system_mode",
                         "values": ["off", "auto", "heat"]}]}]}},
]


LAMP = {"state": "OFF", "brightness": 254, "linkquality": 120}
THERMOSTAT = {"occupied_heating_setpoint": 18, "local_temperature": 19.5, "system_mode": "heat"}


async def fake_zigbee_device(client: aiomqtt.Client, base: str, initial: dict, received: list[dict],
                             state_topic: str = "") -> None:
    """A device speaking Zigbee2MQTT: takes JSON commands on `<base>/set` and reports its whole state (a light:
    {"state": "ON", "brightness": 0-254}; a thermostat: its climate properties). A stand-in for the Zigbee radio,
    which cannot run here; the broker, topics and payloads are the real ones."""
    state = dict(initial)
    state_topic = state_topic or base
    await client.publish(f"{base}/availability", json.dumps({"state": "online"}), retain=True)
    await client.publish(state_topic, json.dumps(state), retain=True)
    async for message in client.messages:
        if str(message.topic) == f"{base}/set":
            command = json.loads(message.payload)
            received.append(command)
            state.update(command)
            if command.get("brightness"):  # as Zigbee2MQTT does: a brightness switches the light on
                state["state"] = "ON"
            await client.publish(state_topic, json.dumps(state), retain=True)


async def fake_plain_devices(client: aiomqtt.Client, received: list[bytes]) -> None:
    """A garage door and a lamp on Home Assistant's default MQTT schema: bare OPEN/CLOSE/STOP and ON/OFF
    commands, bare state words back (the cover opens at once here)."""
    states = {b"OPEN": b"open", b"CLOSE": b"closed", b"STOP": b"stopped", b"ON": b"ON", b"OFF": b"OFF"}
    async for message in client.messages:
        payload = bytes(message.payload)
        received.append(payload)
        if str(message.topic) == "attic/fan/speed/set":  # the fan's speed on a topic of its own; a speed runs it
            await client.publish("attic/fan/speed", payload, retain=True)
            await client.publish("attic/fan/state", b"ON", retain=True)
            continue
        state_topic = str(message.topic).removesuffix("/set")
        await client.publish("garage/door/state" if state_topic == "garage/door" else state_topic, states[payload],
                             retain=True)


async def imported(url: str, announced: dict[str, Any], folder: Path) -> Path:
    """The home file `ambient home import` writes from discovery messages (topic -> config) retained on the
    broker, as Home Assistant and Zigbee2MQTT leave them."""
    async with parse_broker_url(url).client(identifier="home-assistant") as ha:
        for topic, config in announced.items():
            await ha.publish(topic, config if isinstance(config, bytes) else json.dumps(config), retain=True)
    home_file = folder / "home.yaml"
    done = subprocess.run([sys.executable, "-m", "agent", "home", "import", "--broker", url, "--out",
                           str(home_file)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return home_file


def shown(home_file: Path) -> str:
    """What `ambient home show` prints for the home file."""
    return subprocess.run([sys.executable, "-m", "agent", "home", "show", "--home", str(home_file)],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "250"}).stdout


async def test_discovered_devices_are_imported_and_controlled_in_their_dialect(tmp_path: Path, nlu: NluModel) -> None:
    async with mosquitto_broker() as url:
        address = parse_broker_url(url)
        home_file = await imported(url, {
            "homeassistant/light/porch/porch_light/config": HA_PORCH_LIGHT,
            "homeassistant/cover/garage_door/config": HA_GARAGE,
            "homeassistant/light/desk_lamp/config": HA_DESK_LAMP,
            "homeassistant/binary_sensor/hall_motion/config": HA_MOTION,
            "homeassistant/fan/attic_fan/config": HA_FAN,
            "homeassistant/binary_sensor/kitchen_window/config": HA_WINDOW,
            "homeassistant/scene/movie_time/config": HA_SCENE,
            "homeassistant/device_tracker/carol_phone/config": HA_TRACKER,
            "homeassistant/light/broken/config": b"{not json",
            "zigbee2mqtt/bridge/devices": Z2M_DEVICES}, tmp_path)
        home = load_home(home_file)
        by_id = home.device_by_id
        assert set(by_id) == {"porch_light_01", "garage_door_01", "desk_lamp", "kitchen_lamp", "front_lock",
                              "hall_thermostat", "attic_fan", "kitchen_window", "movie_time", "carol_phone"}
        assert by_id["movie_time"].type == "scene" and by_id["carol_phone"].type == "person"
        assert by_id["attic_fan"].type == "fan" and by_id["attic_fan"].topics.attributes["percentage"].set == \
            "attic/fan/speed/set"
        assert by_id["kitchen_window"].type == "binary_sensor" and by_id["kitchen_window"].device_class == "window"
        assert by_id["hall_thermostat"].properties == {"target_temperature": "occupied_heating_setpoint",
                                                       "current_temperature": "local_temperature", "mode": "system_mode"}
        assert by_id["garage_door_01"].dialect == "plain" and by_id["porch_light_01"].dialect == "zigbee2mqtt"
        assert by_id["porch_light_01"].topic("set") == "porch/light/set" and home.area_name(by_id["porch_light_01"].area) == "porch"
        assert by_id["garage_door_01"].security_sensitive and by_id["front_lock"].type == "lock"
        assert by_id["kitchen_lamp"].topic("state") == "zigbee2mqtt/kitchen_lamp" and by_id["kitchen_lamp"].dialect == "zigbee2mqtt"
        table = shown(home_file)
        assert "zigbee2mqtt/kitchen_lamp/set" in table and "porch/light/state" in table
        assert "target_temperature=occupied_heating_setpoint" in table

        received: dict[str, list[dict]] = {"zigbee2mqtt/kitchen_lamp": [], "porch/light": [], "thermostat": []}
        async with address.client(identifier="z2m") as z2m, address.client(identifier="porch") as porch, \
                address.client(identifier="z2m-thermostat") as thermostat:
            await z2m.subscribe("zigbee2mqtt/kitchen_lamp/set")
            await porch.subscribe("porch/light/set")
            await thermostat.subscribe("zigbee2mqtt/hall_thermostat/set")
            devices = [asyncio.create_task(fake_zigbee_device(z2m, "zigbee2mqtt/kitchen_lamp", LAMP,
                                                              received["zigbee2mqtt/kitchen_lamp"])),
                       asyncio.create_task(fake_zigbee_device(porch, "porch/light", LAMP, received["porch/light"],
                                                              "porch/light/state")),
                       asyncio.create_task(fake_zigbee_device(thermostat, "zigbee2mqtt/hall_thermostat", THERMOSTAT,
                                                              received["thermostat"]))]
            await asyncio.sleep(0.2)
            config = AgentConfig(home=home_file, broker=url, db=None, require_wake=False)
            async with Agent(config, clock=SystemClock(), nlu=nlu) as agent:
                assert agent.states.get("kitchen_lamp") == {"state": "off", "brightness": 100, "linkquality": 120}
                on = await agent.handle_text("turn on the kitchen lamp")
                assert on.outcome == "success", on.response
                assert received["zigbee2mqtt/kitchen_lamp"] == [{"state": "ON"}]
                dim = await agent.handle_text("set the porch light to 50 percent")
                assert dim.outcome == "success", dim.response
                assert received["porch/light"][-1].get("brightness") == 127
                assert agent.states.get("porch_light_01")["brightness"] == 50
                reads = await agent.handle_text("what is the temperature of the hall thermostat")
                assert reads.response == "The hall thermostat reads 20 degrees.", reads.response  # 19.5, rounded
                warmer = await agent.handle_text("set the hall thermostat to 21")
                assert warmer.outcome == "success", warmer.response
                assert received["thermostat"] == [{"occupied_heating_setpoint": 21.0}]
                assert agent.states.get("hall_thermostat")["target_temperature"] == 21
            for task in devices:
                task.cancel()

        # Home Assistant's default schema: bare words both ways
        plain: list[bytes] = []
        async with address.client(identifier="ha-devices") as ha:
            await ha.subscribe("garage/door/set")
            await ha.subscribe("study/lamp/set")
            await ha.subscribe("attic/fan/speed/set")
            await ha.subscribe("scenes/movie_time/set")
            await ha.publish("presence/carol", b"not_home", retain=True)
            await ha.publish("attic/fan/state", b"OFF", retain=True)
            await ha.publish("garage/door/state", b"closed", retain=True)
            await ha.publish("study/lamp", b"OFF", retain=True)
            covers = asyncio.create_task(fake_plain_devices(ha, plain))
            await asyncio.sleep(0.2)
            config = AgentConfig(home=home_file, broker=url, db=None, require_wake=False)
            async with Agent(config, clock=SystemClock(), nlu=nlu) as agent:
                assert agent.states.get("garage_door_01") == {"state": "closed"}
                opened = await agent.handle_text("open the garage door")
                assert opened.outcome == "success", opened.response
                assert plain == [b"OPEN"] and agent.states.get("garage_door_01") == {"state": "open"}
                await ha.publish("garage/door/position", b"255", retain=True)
                await asyncio.sleep(0.2)
                assert agent.states.get("garage_door_01") == {"state": "open", "position": 100}
                on = await agent.handle_text("turn on the desk lamp")
                assert on.outcome == "success" and plain[-1] == b"ON"
                dim = await agent.handle_text("set the desk lamp to 30 percent")
                assert dim.outcome == "unsupported" and "desk lamp takes only on/off" in dim.response
                assert plain == [b"OPEN", b"ON"]
                await ha.publish("study/lamp", b"hello there", retain=True)  # not a state word: dropped
                await asyncio.sleep(0.2)
                assert agent.states.get("desk_lamp") == {"state": "on"}
                fan = await agent.handle_text("set the attic fan to 40 percent")
                assert fan.intent == "HassFanSetSpeed" and fan.outcome == "success", fan.response
                assert plain[-1] == b"40" and agent.states.get("attic_fan") == {"state": "on", "percentage": 40}
                scene = await agent.handle_text("activate movie time")
                assert scene.outcome == "success" and plain[-1] == b"ON", scene.response
                assert (await agent.handle_text("is carol home")).response == "No, Carol is away."
            covers.cancel()


# Home Assistant's documented default-schema examples: a dimmable light and an air conditioner whose values each
# travel alone, as bare numbers and words, on topics of their own.
HA_OFFICE_LIGHT = {"name": "Office Light", "unique_id": "office_light", "state_topic": "office/light/status",
                   "command_topic": "office/light/switch", "brightness_state_topic": "office/light/brightness",
                   "brightness_command_topic": "office/light/brightness/set", "device": {"suggested_area": "Office"}}
HA_STUDY_AC = {"~": "study/ac", "name": "Study Thermostat", "uniq_id": "study_ac", "mode_cmd_t": "~/mode/set",
               "mode_stat_t": "~/mode/state", "temp_cmd_t": "~/temperature/set", "temp_stat_t": "~/temperature/state",
               "curr_temp_t": "~/temperature/current", "min_temp": 16, "max_temp": 30, "dev": {"sa": "Study"}}


async def fake_single_value_devices(client: aiomqtt.Client, received: list[tuple[str, bytes]]) -> None:
    """The office light and the air conditioner: each value set on its own topic is reported back on its state
    topic (a brightness also switches the light on, as a real dimmer does)."""
    reports = {"office/light/switch": "office/light/status", "office/light/brightness/set": "office/light/brightness",
               "study/ac/temperature/set": "study/ac/temperature/state", "study/ac/mode/set": "study/ac/mode/state"}
    async for message in client.messages:
        topic, payload = str(message.topic), bytes(message.payload)
        received.append((topic, payload))
        await client.publish(reports[topic], payload, retain=True)
        if topic == "office/light/brightness/set":
            await client.publish("office/light/status", b"ON", retain=True)


async def test_home_assistant_values_on_topics_of_their_own_are_read_and_set(tmp_path: Path, nlu: NluModel) -> None:
    async with mosquitto_broker() as url:
        address = parse_broker_url(url)
        home_file = await imported(url, {"homeassistant/light/office_light/config": HA_OFFICE_LIGHT,
                                         "homeassistant/climate/study_ac/config": HA_STUDY_AC}, tmp_path)
        by_id = load_home(home_file).device_by_id
        light, ac = by_id["office_light"], by_id["study_ac"]
        assert light.topics.attributes["brightness"].set == "office/light/brightness/set"
        assert light.topics.attributes["brightness"].scale == 255  # Home Assistant's default full brightness
        assert ac.type == "climate" and ac.topics.state is None and (ac.min_temp, ac.max_temp) == (16, 30)
        assert ac.topics.attributes["target_temperature"].set == "study/ac/temperature/set"
        assert "brightness: office/light/brightness/set" in shown(home_file)

        received: list[tuple[str, bytes]] = []
        async with address.client(identifier="ha-devices") as devices:
            for topic in ("office/light/switch", "office/light/brightness/set", "study/ac/temperature/set",
                          "study/ac/mode/set"):
                await devices.subscribe(topic)
            for topic, payload in (("office/light/status", b"OFF"), ("office/light/brightness", b"255"),
                                   ("study/ac/mode/state", b"heat"), ("study/ac/temperature/state", b"19"),
                                   ("study/ac/temperature/current", b"18.4")):
                await devices.publish(topic, payload, retain=True)
            serving = asyncio.create_task(fake_single_value_devices(devices, received))
            await asyncio.sleep(0.2)
            config = AgentConfig(home=home_file, broker=url, db=None, require_wake=False)
            async with Agent(config, clock=SystemClock(), nlu=nlu) as agent:
                assert agent.states.get("office_light") == {"state": "off", "brightness": 100}
                assert agent.states.get("study_ac") == {"mode": "heat", "target_temperature": 19,
                                                        "current_temperature": 18.4}
                dim = await agent.handle_text("set the office light to 50 percent")
                assert dim.outcome == "success", dim.response
                assert received == [("office/light/brightness/set", b"128")]  # 50 % of 255
                assert agent.states.get("office_light") == {"state": "on", "brightness": 50}
                off = await agent.handle_text("turn off the office light")
                assert off.outcome == "success" and received[-1] == ("office/light/switch", b"OFF")
                warmer = await agent.handle_text("set the study thermostat to 21")
                assert warmer.outcome == "success", warmer.response
                assert received[-1] == ("study/ac/temperature/set", b"21")
                assert agent.states.get("study_ac")["target_temperature"] == 21
                await devices.publish("study/ac/temperature/current", b"NaN", retain=True)  # not a reading: dropped
                await asyncio.sleep(0.2)
                reads = await agent.handle_text("what is the temperature of the study thermostat")
                assert reads.response == "The study thermostat reads 18 degrees.", reads.response
            serving.cancel()
