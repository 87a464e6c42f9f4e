"""Bad input at scale (hypothesis): random and malicious MQTT payloads and utterances never crash the agent, never
grow its memory without bound, and are logged clearly."""

from __future__ import annotations

import asyncio
import json
import logging
import tracemalloc
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.agent import Agent
from agent.broker import embedded_broker, parse_broker_url
from agent.bus import MqttBus
from agent.clock import SystemClock
from agent.config import AgentConfig
from agent.home import Attribute, Device, Home, Topics, load_home
from agent.nlu.model import NluModel
from agent.states import DeviceStates
from agent.topics import MAX_PAYLOAD_BYTES
from devices.fleet import DeviceFleet, running

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "home.yaml"
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
                    max_leaves=40)
PAYLOADS = st.one_of(
    st.binary(max_size=2000),  # anything, invalid UTF-8 included
    JSON.map(lambda v: json.dumps(v).encode()),
    st.integers(1, 400).map(lambda depth: ("[" * depth + "]" * depth).encode()),  # deeply nested
    st.integers(1, 5000).map(lambda depth: ('{"a":' * depth + "1" + "}" * depth).encode()),
    st.just(b"x" * (MAX_PAYLOAD_BYTES + 1)),  # huge
    st.dictionaries(st.sampled_from(["state", "brightness", "temperature", "media_title", "volume"]),
                    JSON, max_size=4).map(lambda v: json.dumps(v).encode()),  # right keys, wrong types
)


DIMMER = Device(id="dimmer", name="office light", area="kitchen", type="light", dialect="plain",
                topics=Topics(state="office/light/status", set="office/light/switch",
                              attributes={"brightness": Attribute(state="office/light/brightness",
                                                                  set="office/light/brightness/set", scale=255)}))
"""A Home Assistant default-schema dimmer: its brightness alone, a bare number, on a topic of its own."""


@pytest.fixture(scope="module")
def home() -> Home:
    demo = load_home(DEMO)
    return demo.model_copy(update={"devices": [*demo.devices, DIMMER]})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(device=st.sampled_from(["kitchen_light", "oven", "tv", "garage_door", "dimmer", "nobody"]),
       kind=st.sampled_from(["state", "availability", "set", "config", "brightness"]), payload=PAYLOADS)
def test_any_payload_on_any_device_topic_is_applied_or_dropped_with_a_log_line(
    home: Home, device: str, kind: str, payload: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    """`handle` is what the bus runs for every message (no broker needed to feed it)."""
    states = DeviceStates()
    bus = MqttBus(parse_broker_url("mqtt://127.0.0.1"), home, states, SystemClock())
    known = home.device_by_id.get(device)
    own = known.topics.attributes.get(kind) if known else None
    topic = (own.state if own else known.topic(kind) if known and kind in ("state", "availability", "set")
             else f"home/{device}/{kind}")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="agent.bus"):
        asyncio.run(_handle(bus, [(topic, payload)]))
    applied = states.available(device) is not None
    dropped = any(device in r.getMessage() and "dropped" in r.getMessage() for r in caplog.records)
    if device == "nobody" or kind not in ("state", "availability") and own is None:
        assert not applied  # not one of the home's device topics: ignored
    else:
        assert applied != dropped, payload[:80]  # exactly one: used, or dropped with a line saying why
    if kind == "state" and applied:
        assert isinstance(states.get(device), dict) and len(payload) <= MAX_PAYLOAD_BYTES


async def _handle(bus: MqttBus, messages: list[tuple[str, bytes]]) -> None:
    """Messages as the bus's receive loop hands them over (inside the event loop, as state waiters expect)."""
    for topic, payload in messages:
        bus.handle(topic, payload)
    await asyncio.sleep(0)


UTTERANCES = st.one_of(
    st.text(max_size=300),
    # words of requests, mangled; never "open", "unlock" or "yes": asked outright, those are the user's to give
    st.lists(st.sampled_from(["turn", "on", "off", "the", "garage", "door", "front", "lock", "kitchen", "light",
                              "home/garage_door/set", "{", "}", "'; drop table turns; --", "\x00", "🙂", "set", "to",
                              "nine", "hundred", "percent", "play", "again", "it"]), max_size=40).map(" ".join),
    st.integers(1, 20).map(lambda n: "turn on the " + "very " * 500 * n + "light"),
)


@pytest.fixture(scope="module")
def live_agent(home: Home, nlu: NluModel) -> Iterator[tuple[asyncio.Runner, Agent, DeviceFleet]]:
    """An agent with the demo home's devices on an embedded broker, kept running across examples."""
    runner, stack = asyncio.Runner(), AsyncExitStack()

    async def start() -> tuple[Agent, DeviceFleet]:
        url = await stack.enter_async_context(embedded_broker())
        fleet = await stack.enter_async_context(running(home, parse_broker_url(url), SystemClock(), {
            "garage_door": {"state": "closed"}, "front_door": {"state": "locked"}}))
        config = AgentConfig(home=DEMO, broker=url, db=None, require_wake=False, confirm_timeout_s=0.5)
        return await stack.enter_async_context(Agent(config, nlu=nlu)), fleet

    agent, fleet = runner.run(start())
    yield runner, agent, fleet
    runner.run(stack.aclose())
    runner.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(said=UTTERANCES)
def test_any_utterance_gets_an_answer_and_never_opens_anything(said: str, live_agent) -> None:
    runner, agent, fleet = live_agent
    trace = runner.run(agent.handle_text(said, user="mallory", device="kitchen_speaker"))
    assert trace.outcome and trace.response  # answered, not crashed
    # nothing opened or unlocked that nobody asked for, whatever the words were guessed to mean
    assert fleet["garage_door"].state["state"] == "closed" and fleet["front_door"].state["state"] == "locked"


def test_memory_stays_bounded_under_a_flood_of_bad_payloads(home: Home) -> None:
    states = DeviceStates()
    bus = MqttBus(parse_broker_url("mqtt://127.0.0.1"), home, states, SystemClock())
    junk = [b"\xff" * 100, b"[" * 3000, json.dumps({"state": "on", "junk": "x" * 5000}).encode(),
            b"y" * (MAX_PAYLOAD_BYTES + 1)]
    logging.getLogger("agent.bus").setLevel(logging.CRITICAL)
    try:
        for round_ in range(2):
            tracemalloc.start()
            asyncio.run(_handle(bus, [(f"home/{['kitchen_light', 'nobody', 'oven'][i % 3]}/state", junk[i % len(junk)])
                                      for i in range(5000)]))
            used, _ = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            if round_ == 0:
                first = used
        assert used < 2 * first + 1_000_000  # a second flood costs no more than the first: nothing accumulates
        assert set(states.snapshot()) <= {"kitchen_light", "oven"}
    finally:
        logging.getLogger("agent.bus").setLevel(logging.NOTSET)
