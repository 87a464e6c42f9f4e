"""Simulated devices as a user of the MQTT topics sees them, on amqtt and on mosquitto."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

import aiomqtt
import pytest

from agent.broker import BrokerAddress, parse_broker_url
from agent.clock import VirtualClock
from agent.home import Area, Device, Home
from agent.topics import MAX_PAYLOAD_BYTES
from devices import DEVICE_TYPES, CommandError, SimDevice
from devices.fleet import running

HOME = Home(
    areas=[Area(id="kitchen", name="kitchen"), Area(id="garage", name="garage")],
    devices=[
        Device(id="kitchen_light", name="kitchen light", area="kitchen", type="light"),
        Device(id="oven", name="oven", area="kitchen", type="oven", min_temp=100, max_temp=500),
        Device(id="kitchen_speaker", name="kitchen speaker", area="kitchen", type="speaker"),
        Device(id="garage_door", name="garage door", area="garage", type="cover", device_class="garage"),
        Device(id="fan", name="fan", area="garage", type="switch"),
    ],
)


class Watcher:
    """Everything published under `home/#`, as an app subscribed to the home would see it."""

    def __init__(self) -> None:
        self.messages: list[aiomqtt.Message] = []
        self._arrived = asyncio.Event()
        self._cursor: dict[str, int] = {}

    async def collect(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            self.messages.append(message)
            self._arrived.set()

    async def wait_for(
        self, topic: str, predicate: Callable[[Any], bool] = lambda _: True, timeout: float = 5.0
    ) -> aiomqtt.Message:
        """The next message on `topic` (after the last one matched there) satisfying `predicate`."""
        seen = self._cursor.get(topic, 0)
        async with asyncio.timeout(timeout):
            while True:
                self._arrived.clear()
                for index in range(seen, len(self.messages)):
                    message = self.messages[index]
                    if str(message.topic) == topic and predicate(decode(message)):
                        self._cursor[topic] = index + 1
                        return message
                seen = len(self.messages)
                await self._arrived.wait()

    def states(self, device_id: str) -> list[Any]:
        return [decode(m) for m in self.messages if str(m.topic) == f"home/{device_id}/state"]


def decode(message: aiomqtt.Message) -> Any:
    payload = message.payload
    assert isinstance(payload, bytes)
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode()


@asynccontextmanager
async def watching(url: str) -> AsyncIterator[Watcher]:
    async with parse_broker_url(url).client() as client:
        await client.subscribe("home/#", qos=1)
        watcher = Watcher()
        task = asyncio.create_task(watcher.collect(client))
        try:
            yield watcher
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task


async def send(url: str, device_id: str, payload: dict[str, Any] | bytes) -> None:
    """Publish a command the way the agent (or any MQTT tool) would."""
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    async with parse_broker_url(url).client() as client:
        await client.publish(f"home/{device_id}/set", raw, qos=1)


async def test_light_turned_on_over_mqtt_publishes_retained_state(broker_url: str) -> None:
    async with running(HOME, broker_url, VirtualClock()), watching(broker_url) as watcher:
        await send(broker_url, "kitchen_light", {"state": "on"})
        await watcher.wait_for("home/kitchen_light/state", lambda s: s["state"] == "on")
        await send(broker_url, "kitchen_light", {"brightness": 40, "color": "Red"})
        await watcher.wait_for("home/kitchen_light/state", lambda s: s["brightness"] == 40)

        async with watching(broker_url) as late:
            message = await late.wait_for("home/kitchen_light/state")
        assert message.retain
        assert decode(message) == {"state": "on", "brightness": 40, "color": "red", "color_temp": 2700}


async def test_late_subscriber_sees_every_device_online_with_its_state(broker_url: str) -> None:
    initial = {"oven": {"state": "on", "current_temperature": 200}}
    async with running(HOME, broker_url, VirtualClock(), initial):
        async with watching(broker_url) as late:
            for device in HOME.devices:
                online = await late.wait_for(f"home/{device.id}/availability")
                assert online.retain and decode(online) == "online"
                await late.wait_for(f"home/{device.id}/state")
        assert late.states("oven")[0]["current_temperature"] == 200
        assert late.states("kitchen_light")[0] == {"state": "off", "brightness": 100, "color": "white", "color_temp": 2700}
        assert late.states("kitchen_speaker")[0]["has_screen"] is False


async def test_oven_heats_over_virtual_time_and_cools_after_off(broker_url: str) -> None:
    clock = VirtualClock()
    async with running(HOME, broker_url, clock) as fleet, watching(broker_url) as watcher:
        await send(broker_url, "oven", {"state": "on", "target_temperature": 350})
        await watcher.wait_for("home/oven/state", lambda s: s["state"] == "on")

        await clock.advance(60)
        await watcher.wait_for("home/oven/state", lambda s: s["current_temperature"] == 94)
        await clock.advance(700)
        await watcher.wait_for("home/oven/state", lambda s: s["current_temperature"] == 350)
        await clock.advance(60)
        assert fleet["oven"].state["current_temperature"] == 350

        await send(broker_url, "oven", {"state": "off"})
        await watcher.wait_for("home/oven/state", lambda s: s["state"] == "off")
        await clock.advance(600)
        await watcher.wait_for("home/oven/state", lambda s: s["current_temperature"] == 290)


async def test_garage_door_travels_and_reverses_when_obstructed(broker_url: str) -> None:
    clock = VirtualClock()
    door = "home/garage_door/state"
    async with running(HOME, broker_url, clock) as fleet, watching(broker_url) as watcher:
        await send(broker_url, "garage_door", {"state": "open"})
        await watcher.wait_for(door, lambda s: s["state"] == "opening")
        await clock.advance(5)
        assert fleet["garage_door"].state["state"] == "opening"
        await clock.advance(5)
        await watcher.wait_for(door, lambda s: s == {"state": "open", "position": 100, "target": 100, "obstructed": False})

        await send(broker_url, "garage_door", {"state": "closed"})
        await watcher.wait_for(door, lambda s: s["state"] == "closing")
        await clock.advance(3)
        await fleet.set_state("garage_door", obstructed=True)
        await clock.advance(1)
        await watcher.wait_for(door, lambda s: s["state"] == "opening" and s["obstructed"])
        await clock.advance(10)
        await watcher.wait_for(door, lambda s: s["state"] == "open" and s["position"] == 100)


async def test_bad_commands_are_ignored_and_the_device_keeps_answering(
    broker_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    oversized = b'{"state": "on"' + b" " * MAX_PAYLOAD_BYTES + b"}"
    bad = [b"{not json", b"[1, 2]", b'"on"', oversized,
           {"brightness": 150}, {"state": "purple"}, {"flavour": "mint"}]
    caplog.set_level(logging.WARNING, logger="devices.base")
    async with running(HOME, broker_url, VirtualClock()) as fleet, watching(broker_url) as watcher:
        await watcher.wait_for("home/kitchen_light/state")
        for payload in bad:
            await send(broker_url, "kitchen_light", payload)
        await send(broker_url, "kitchen_light", {"brightness": 30})
        await watcher.wait_for("home/kitchen_light/state", lambda s: s["brightness"] == 30)

        assert watcher.states("kitchen_light") == [
            {"state": "off", "brightness": 100, "color": "white", "color_temp": 2700},
            {"state": "on", "brightness": 30, "color": "white", "color_temp": 2700},
        ]
        assert fleet["kitchen_light"].state["state"] == "on"
    warnings = [r.getMessage() for r in caplog.records if "ignored command" in r.getMessage()]
    assert len(warnings) == len(bad)
    assert "not valid JSON" in warnings[0] and "exceeds" in warnings[3] and "between 0 and 100" in warnings[4]


async def test_last_will_marks_a_crashed_device_offline(broker_url: str) -> None:
    async with running(HOME, broker_url, VirtualClock()) as fleet, watching(broker_url) as watcher:
        await watcher.wait_for("home/fan/availability", lambda p: p == "online")
        await fleet.take_offline("fan")
        await watcher.wait_for("home/fan/availability", lambda p: p == "offline")
        await fleet.bring_online("fan")
        await send(broker_url, "fan", {"state": "on"})
        await watcher.wait_for("home/fan/state", lambda s: s["state"] == "on")
        await watcher.wait_for("home/fan/availability", lambda p: p == "online")

    async with watching(broker_url) as late:  # a clean stop says goodbye too
        await late.wait_for("home/kitchen_light/availability", lambda p: p == "offline")


# --- the pure core, no broker -------------------------------------------------


def make(device_type: str, initial: dict[str, Any] | None = None, **fields: Any) -> SimDevice:
    device = Device(id=f"test_{device_type}", name=f"test {device_type}", area="kitchen",
                    type=device_type, **fields)
    return DEVICE_TYPES[device_type](device, VirtualClock(), initial)


def test_every_home_device_type_has_a_simulator() -> None:
    for device_type in Device.model_fields["type"].annotation.__args__:
        assert make(device_type).state


def test_media_player_plays_pauses_resumes_and_skips() -> None:
    tv = make("media_player", has_screen=True)
    tv.apply({"state": "playing", "media_title": "Planet Earth", "media_class": "movie"})
    tv.apply({"state": "paused"})
    assert tv.state["state"] == "paused"
    tv.apply({"state": "playing"})
    tv.apply({"command": "next"})
    tv.apply({"command": "next"})
    tv.apply({"volume": 30})
    assert tv.state == {"state": "playing", "media_title": "Planet Earth (track 3)",
                        "media_class": "movie", "volume": 30, "muted": False, "has_screen": True}


def test_speaker_without_screen_refuses_video_and_keeps_its_state() -> None:
    speaker = make("speaker")
    with pytest.raises(CommandError, match="no screen"):
        speaker.apply({"state": "playing", "media_title": "Planet Earth", "media_class": "movie"})
    with pytest.raises(CommandError, match="nothing to resume"):
        speaker.apply({"state": "playing"})
    assert speaker.state["state"] == "idle"


def test_alarm_clock_rings_at_its_time_every_day_until_stopped() -> None:
    from datetime import datetime

    morning = datetime(2026, 11, 23, 6, 29).timestamp()
    alarm = DEVICE_TYPES["alarm_clock"](Device(id="alarm", name="alarm clock", area="bedroom", type="alarm_clock"),
                                        VirtualClock(morning), {"alarm_time": "06:30"})
    assert not alarm.tick(30) and alarm.state["state"] == "idle"
    alarm.clock._now += 60
    assert alarm.tick(60) and alarm.state["state"] == "ringing" and alarm.state["rang_at"] == morning + 60
    alarm.apply({"state": "idle"})
    alarm.clock._now += 60
    assert not alarm.tick(60) and alarm.state["state"] == "idle"
    alarm.clock._now += 86_400 + 3_600  # a day later, an hour after the alarm: it went off, and has stopped
    assert alarm.tick(86_400 + 3_600) and alarm.state == {"state": "idle", "alarm_time": "06:30",
                                                          "rang_at": morning + 60 + 86_400}
    with pytest.raises(CommandError, match="HH:MM"):
        alarm.apply({"alarm_time": "half past six"})
    with pytest.raises(CommandError, match="only be stopped"):
        alarm.apply({"state": "ringing"})


def test_kettle_boils_sooner_than_the_coffee_brews() -> None:
    kettle, coffee = make("kettle"), make("coffee_maker")
    for device in (kettle, coffee):
        device.apply({"state": "on"})
        device.tick(200)
    assert (kettle.state["brewing"], coffee.state["brewing"]) == (False, True)


def test_coffee_maker_brews_then_keeps_warm() -> None:
    coffee = make("coffee_maker")
    coffee.apply({"state": "on"})
    assert coffee.state == {"state": "on", "brewing": True}
    assert not coffee.tick(200)
    assert coffee.tick(40)
    assert coffee.state == {"state": "on", "brewing": False}


def test_vacuum_returns_to_its_dock() -> None:
    vacuum = make("vacuum")
    vacuum.apply({"state": "cleaning"})
    vacuum.apply({"state": "docked"})
    assert vacuum.state["state"] == "returning"
    vacuum.tick(30)
    assert vacuum.state["state"] == "docked"


def test_thermostat_drifts_toward_its_target() -> None:
    thermostat = make("climate", min_temp=50, max_temp=85)
    thermostat.apply({"target_temperature": 72})
    for _ in range(10):
        thermostat.tick(6)
    assert thermostat.state["current_temperature"] == 69
    with pytest.raises(CommandError, match="between 50 and 85"):
        thermostat.apply({"target_temperature": 90})


@pytest.mark.parametrize(
    ("device_type", "command", "reason"),
    [
        ("oven", {"target_temperature": 600}, "between"),
        ("oven", {"target_temperature": True}, "number"),
        ("lock", {"state": "jammed"}, "must be one of"),
        ("sensor", {"temperature": 80}, "read-only"),
        ("light", {"brightness": 12.5}, "whole number"),
        ("switch", {"state": None}, "must be one of"),
    ],
)
def test_invalid_commands_raise_and_leave_state_unchanged(
    device_type: str, command: dict[str, Any], reason: str
) -> None:
    device = make(device_type, min_temp=100, max_temp=500) if device_type == "oven" else make(device_type)
    before = dict(device.state)
    with pytest.raises(CommandError, match=reason):
        device.apply(command)
    assert device.state == before


def test_jammed_lock_refuses_commands() -> None:
    lock = make("lock", {"state": "jammed"})
    with pytest.raises(CommandError, match="jammed"):
        lock.apply({"state": "unlocked"})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mqtt://localhost:1883", BrokerAddress("localhost", 1883)),
        ("mqtt://bob:s%40cret@broker.lan:8883", BrokerAddress("broker.lan", 8883, "bob", "s@cret")),
        ("mqtt://broker.lan", BrokerAddress("broker.lan", 1883)),
    ],
)
def test_parse_broker_url(url: str, expected: BrokerAddress) -> None:
    assert parse_broker_url(url) == expected


@pytest.mark.parametrize("url", ["http://host:1883", "mqtt://:1883", "mqtt://host:99999", "mqtt://host:1/x"])
def test_parse_broker_url_rejects_bad_urls(url: str) -> None:
    with pytest.raises(ValueError, match="broker URL"):
        parse_broker_url(url)



async def test_fleet_comes_back_after_the_broker_restarts() -> None:
    """A long-running `ambient devices` survives a broker restart and republishes its retained states."""
    from pathlib import Path

    from agent.broker import embedded_broker, free_port
    from agent.clock import SystemClock
    from agent.home import load_home

    home = load_home(Path(__file__).resolve().parent.parent / "scenarios" / "home.yaml")
    port = free_port()
    first_broker = embedded_broker(port=port)
    url = await first_broker.__aenter__()
    fleet = running(home, url, SystemClock(), reconnect=True)
    await fleet.__aenter__()
    try:
        await first_broker.__aexit__(None, None, None)  # the broker goes away under the running fleet
        await asyncio.sleep(0.2)
        async with embedded_broker(port=port):
            seen: set[str] = set()
            async with parse_broker_url(url).client(identifier="checker") as client:
                await client.subscribe("home/+/state")

                async def collect() -> None:
                    async for message in client.messages:
                        seen.add(str(message.topic).split("/")[1])
                        if seen >= set(home.device_by_id):
                            return

                await asyncio.wait_for(collect(), 30)
    finally:
        await fleet.__aexit__(None, None, None)
