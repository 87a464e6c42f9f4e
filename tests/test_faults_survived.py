"""Faults a real home has, survived for real: the broker process restarted mid-conversation, the database
server stopped for a while, a writer killed mid-write."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from agent.agent import Agent
from agent.broker import Mosquitto, parse_broker_url
from agent.clock import SystemClock
from agent.config import AgentConfig
from agent.home import load_home
from agent.log.reader import count_turns
from agent.nlu.model import NluModel
from agent.trace import TurnTrace
from devices.fleet import in_own_process, running

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "home.yaml"


async def eventually(check, timeout: float = 10.0) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def test_a_broker_restart_mid_conversation_loses_no_command_and_doubles_none(tmp_path: Path, nlu: NluModel) -> None:
    broker = Mosquitto(tmp_path)
    await broker.start()
    home = load_home(DEMO)
    clock = SystemClock()
    try:
        async with running(home, parse_broker_url(broker.url), clock, {"kitchen_light": {"state": "off"}},
                           reconnect=True) as fleet:
            config = AgentConfig(home=DEMO, broker=broker.url, db=f"sqlite:///{tmp_path / 'turns.db'}",
                                 require_wake=False, confirm_timeout_s=5.0)
            async with Agent(config, clock=clock, nlu=nlu) as agent:
                first = await agent.handle_text("turn on the kitchen light", user="alice", device="kitchen_speaker")
                assert first.outcome == "success" and fleet["kitchen_light"].applied == 1

                await broker.stop()
                assert await eventually(lambda: not agent.bus.connected)
                asyncio.get_running_loop().call_later(1.0, lambda: asyncio.ensure_future(broker.start()))
                # said while the broker is down: sent once it is back, and done once
                second = await agent.handle_text("turn off the kitchen light", user="alice", device="kitchen_speaker")
                assert second.outcome == "success", second.response
                assert fleet["kitchen_light"].state["state"] == "off" and fleet["kitchen_light"].applied == 2

                # the broker comes back having fired the light's last will ("offline"); the light is still
                # reconnecting when it is asked about: the answer waits for it instead of calling it offline
                await broker.stop()
                assert await eventually(lambda: not agent.bus.connected)
                announced: list[bool] = []
                agent.states.on_change(lambda device, _, available: device == "kitchen_light" and available is not None
                                       and announced.append(available))
                await broker.start()
                # the light has reconnected and said so: no "online" of its own comes later
                assert await eventually(lambda: agent.bus.connected and True in announced)
                light = load_home(DEMO).device("kitchen_light")
                async with parse_broker_url(broker.url).client(identifier="last-will") as will:
                    await will.publish(light.topic("availability"), "offline", qos=1, retain=True)
                    assert await eventually(lambda: agent.states.available("kitchen_light") is False)

                    async def back_online() -> None:
                        await asyncio.sleep(1.0)
                        await will.publish(light.topic("availability"), "online", qos=1, retain=True)

                    back = asyncio.create_task(back_online())
                    asked = await agent.handle_text("is the kitchen light on", user="alice", device="kitchen_speaker")
                    await back
                assert asked.outcome == "success" and asked.response.startswith("No"), asked.response

                # resubscribed: what happens in the home afterwards still reaches the agent
                await fleet.set_state("garage_door", state="open")
                assert await eventually(lambda: (agent.states.get("garage_door") or {}).get("state") == "open")
                third = await agent.handle_text("turn on the kitchen light", user="alice", device="kitchen_speaker")
                assert third.outcome == "success" and fleet["kitchen_light"].applied == 3, third.response
    finally:
        await broker.stop()


async def test_a_device_that_stops_confirming_is_reported_and_the_agent_goes_on(tmp_path: Path, nlu: NluModel) -> None:
    """The home's devices in a process of their own: frozen (SIGSTOP: still connected, answering nothing), then
    thawed, then killed (SIGKILL: the broker fires their last wills)."""
    broker = Mosquitto(tmp_path)
    await broker.start()
    db = f"sqlite:///{tmp_path / 'turns.db'}"
    try:
        config = AgentConfig(home=DEMO, broker=broker.url, db=db, require_wake=False, confirm_timeout_s=1.0)
        async with in_own_process([DEMO], broker.url) as devices, \
                Agent(config, clock=SystemClock(), nlu=nlu) as agent:
            async def say(text: str) -> TurnTrace:
                return await agent.handle_text(text, user="alice", device="kitchen_speaker")

            assert (await say("turn on the kitchen light")).outcome == "success"
            os.kill(devices.pid, signal.SIGSTOP)
            hung = await say("turn off the kitchen light")
            assert hung.outcome == "unconfirmed", hung.response
            assert hung.response == "I asked the kitchen light to turn off, but it didn't confirm."
            os.kill(devices.pid, signal.SIGCONT)  # the command the broker delivered meanwhile is carried out late
            assert await eventually(lambda: agent.states.get("kitchen_light").get("state") == "off")
            assert (await say("turn on the kitchen light")).outcome == "success"
            devices.kill()
            assert await eventually(lambda: agent.states.available("kitchen_light") is False)
            gone = await say("turn off the kitchen light")
            assert gone.response == "The kitchen light is offline right now.", gone.response
            assert (await say("what time is it")).outcome == "success"  # and the agent goes on
        assert count_turns(db) == 5
    finally:
        await broker.stop()


async def test_retained_states_survive_the_broker_restart(tmp_path: Path) -> None:
    """A broker restarted while the devices are away still tells a newly started agent how things are."""
    broker = Mosquitto(tmp_path)
    await broker.start()
    home = load_home(DEMO)
    try:
        async with running(home, parse_broker_url(broker.url), SystemClock(), {"oven": {"state": "on"}}):
            await asyncio.sleep(0.3)
        await broker.stop()
        await broker.start()
        seen: dict[str, bytes] = {}
        async with parse_broker_url(broker.url).client(identifier="late") as late:
            await late.subscribe("home/+/state")

            async def collect() -> None:
                async for message in late.messages:
                    seen[str(message.topic)] = bytes(message.payload)

            task = asyncio.create_task(collect())
            assert await eventually(lambda: "home/oven/state" in seen, 5.0)
            task.cancel()
        assert b'"state": "on"' in seen["home/oven/state"] or b'"state":"on"' in seen["home/oven/state"]
    finally:
        await broker.stop()


@pytest.mark.parametrize("spool_after_s", [None, 0.5], ids=["held-in-memory", "spooled-then-replayed"])
async def test_a_database_outage_keeps_every_turn_and_the_agent_answering(
        tmp_path: Path, nlu: NluModel, spool_after_s: float | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL stops (cutting every connection) mid-conversation: the agent keeps acting and answering,
    holds the turns (in memory, or in the spool file once the outage outlasts `spool_after_s`), and writes
    every one of them once the server is back."""
    from agent.log.postgres import PostgresServer
    from agent.log.reader import count_turns, recent_turns
    from agent.log.writer import LogStatus, TurnLog

    monkeypatch.chdir(tmp_path)
    database = PostgresServer()
    broker = Mosquitto(tmp_path)
    await broker.start()
    try:
        database.start()
        turn_log = TurnLog(database.url, spool_after_s=spool_after_s) if spool_after_s is not None else None
        async with running(load_home(DEMO), parse_broker_url(broker.url), SystemClock(),
                           {"kitchen_light": {"state": "off"}}) as fleet:
            config = AgentConfig(home=DEMO, broker=broker.url, db=database.url, require_wake=False)
            async with Agent(config, nlu=nlu, turn_log=turn_log) as agent:
                log = agent.turn_log
                assert log is not None
                said = ["turn on the kitchen light"]
                await agent.handle_text(said[0], user="alice", device="kitchen_speaker")
                assert await asyncio.to_thread(log.flush, 10) and count_turns(database.url) == 1

                await asyncio.to_thread(database.stop)
                for text in ["turn off the kitchen light", "what's the weather in paris", "turn on the kitchen light"]:
                    trace = await agent.handle_text(text, user="alice", device="kitchen_speaker")
                    assert trace.outcome == "success", trace.response
                    said.append(text)
                assert fleet["kitchen_light"].applied == 3
                assert await eventually(lambda: log.status is LogStatus.DEGRADED)
                await asyncio.sleep(1.5)  # more failed retries while the server is away
                assert log.spool_path.exists() == (spool_after_s is not None)

                await asyncio.to_thread(database.start)
                assert await asyncio.to_thread(log.flush, 15)
                assert await eventually(lambda: log.status is LogStatus.OK and not log.spool_path.exists(), 15)
        if turn_log is not None:
            turn_log.close()
        assert [turn.text for turn in recent_turns(database.url)] == said[::-1]
    finally:
        await broker.stop()
        database.remove()


WRITER = """
import sys, time
from agent.log.writer import TurnLog
from agent.trace import TurnTrace
log = TurnLog(sys.argv[1])
log.start()
for n in range(1_000_000):
    log.record_turn(TurnTrace("alice", "kitchen_speaker", "kitchen", 1_700_000_000.0 + n, turn_id=f"turn-{n:07d}",
                              text="turn on the kitchen light", outcome="success"))
    if n % 200 == 0:
        print(n, flush=True)
        time.sleep(0.01)
"""


def test_a_process_killed_mid_write_leaves_a_sound_log(tmp_path: Path) -> None:
    """SQLite in WAL mode: a writer killed (SIGKILL) in the middle of its batches loses at most the batch in
    flight; the file is intact and takes more turns."""
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    from agent.log.reader import count_turns, recent_turns
    from agent.log.writer import TurnLog
    from agent.trace import TurnTrace

    db = tmp_path / "turns.db"
    url = f"sqlite:///{db}"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, url], stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and int((writer.stdout.readline() or "0").split()[0]) < 2000:
        pass
    time.sleep(0.3)
    writer.send_signal(signal.SIGKILL)
    writer.wait(10)
    assert writer.returncode == -signal.SIGKILL

    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    kept = count_turns(url)
    assert kept >= 1000
    assert all(t.outcome == "success" for t in recent_turns(url, limit=200))
    with TurnLog(url) as log:
        log.record_turn(TurnTrace("bob", "tv", "living_room", 1_800_000_000.0, turn_id="after-the-crash"))
    assert count_turns(url) == kept + 1
