"""The agent's MQTT side against real brokers: bad payloads, unknown topics, devices and brokers going away."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path

import pytest

from agent import topics
from agent.broker import embedded_broker, free_port, parse_broker_url
from agent.bus import BusUnavailable, MqttBus
from agent.clock import SystemClock
from agent.home import Home, load_home
from agent.states import DeviceStates, matches
from devices.fleet import running

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "home.yaml"


@pytest.fixture
def home() -> Home:
    return load_home(DEMO)


def make_bus(url: str, home: Home, retry_s: float = 1.0) -> tuple[MqttBus, DeviceStates]:
    address = parse_broker_url(url)
    states = DeviceStates()
    return MqttBus(address, home, states, SystemClock(), retry_s=retry_s), states


async def test_states_of_every_device_arrive_and_commands_are_confirmed(broker_url: str, home: Home) -> None:
    bus, states = make_bus(broker_url, home)
    async with running(home, broker_url, SystemClock()):
        await bus.start()
        try:
            assert await states.wait_for("garage_door", matches({"state": "closed"}), 2.0)
            await bus.command(home.device("kitchen_light"), {"state": "on"})
            assert await states.wait_for("kitchen_light", matches({"state": "on"}), 2.0)
            assert states.available("kitchen_light") is True
        finally:
            await bus.stop()


async def test_bad_payloads_are_dropped_with_a_clear_log(amqtt_url: str, home: Home, caplog: pytest.LogCaptureFixture) -> None:
    bus, states = make_bus(amqtt_url, home)
    await bus.start()
    address = parse_broker_url(amqtt_url)
    try:
        async with address.client(identifier="vandal") as client:
            await client.publish("home/oven/state", json.dumps({"state": "on", "current_temperature": 300}))
            assert await states.wait_for("oven", matches({"state": "on"}), 2.0)
            with caplog.at_level(logging.WARNING, logger="agent.bus"):
                await client.publish("home/oven/state", b"{not json")
                await client.publish("home/oven/state", b"[1, 2, 3]")
                await client.publish("home/oven/state", b"\xff\xfe")
                await client.publish("home/oven/state", b"{" + b" " * (topics.MAX_PAYLOAD_BYTES + 10) + b"}")
                await client.publish("home/oven/availability", b"maybe")
                await client.publish("home/toaster/state", b'{"state": "on"}')
                await client.publish("home/oven/state", json.dumps({"state": "off", "current_temperature": 250}))
                assert await states.wait_for("oven", matches({"state": "off"}), 2.0)
        assert states.get("oven") == {"state": "off", "current_temperature": 250}
        assert "toaster" not in states.snapshot()
        text = caplog.text
        assert "malformed state from oven" in text
        assert "expected a JSON object" in text
        assert "over 65536 bytes" in text
        assert "expected online/offline" in text
    finally:
        await bus.stop()


async def test_a_device_that_dies_is_marked_offline(amqtt_url: str, home: Home) -> None:
    bus, states = make_bus(amqtt_url, home)
    async with running(home, amqtt_url, SystemClock()) as fleet:
        await bus.start()
        try:
            assert await states.wait_for("oven", lambda s: bool(s), 2.0)
            await fleet.take_offline("oven")
            for _ in range(100):
                if states.available("oven") is False:
                    break
                await asyncio.sleep(0.05)
            assert states.available("oven") is False
        finally:
            await bus.stop()


async def test_broker_going_away_and_coming_back(home: Home) -> None:
    port = free_port()
    bus, states = make_bus(f"mqtt://127.0.0.1:{port}", home, retry_s=0.2)
    async with embedded_broker(port=port) as url:
        await bus.start()
        assert bus.connected
    for _ in range(50):
        if not bus.connected:
            break
        await asyncio.sleep(0.05)
    assert not bus.connected
    with pytest.raises(BusUnavailable):
        await bus.command(home.device("kitchen_light"), {"state": "on"})
    async with embedded_broker(port=port) as url:
        for _ in range(100):
            if bus.connected:
                break
            await asyncio.sleep(0.05)
        assert bus.connected
        async with parse_broker_url(url).client(identifier="light") as client:
            await client.publish("home/kitchen_light/state", json.dumps({"state": "on"}))
        assert await states.wait_for("kitchen_light", matches({"state": "on"}), 2.0)
    await bus.stop()


async def test_unreachable_broker_is_a_clear_error(home: Home) -> None:
    bus, _ = make_bus(f"mqtt://127.0.0.1:{free_port()}", home)
    began = time.monotonic()
    with pytest.raises(BusUnavailable, match=r"cannot reach the MQTT broker at 127.0.0.1:\d+ \(.*refused\): is it running"):
        await bus.start(timeout=30.0)
    assert time.monotonic() - began < 5.0  # nothing listens there: said at once, not after the whole timeout
