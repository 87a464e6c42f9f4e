"""Load: many homes talking at once to one broker (mosquitto) and one database (PostgreSQL, started here unless
one is given). Each home is a small flat (a kitchen light and a speaker) with its own agent, all in this
process, sharing one turn log; the homes' simulated devices run in a process of their own, as real devices
are not in the agent's. Each home's user asks for the light to be switched once a second. Figures: turns per
second done, turn latency (wake to result, the device's confirmation included), and lost turns (asked for but
not in the database after the log was flushed)."""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass
from pathlib import Path

from agent.agent import Agent, settle_heap
from agent.bench import percentile
from agent.broker import Mosquitto
from agent.config import AgentConfig
from agent.home import load_home
from agent.log.reader import count_turns
from agent.log.writer import TurnLog
from agent.nlu.model import NluModel
from agent.turn import Outcome
from devices.fleet import in_own_process

FLAT = """name: flat {n}
areas:
  - {{id: kitchen, name: kitchen}}
devices:
  - {{id: kitchen_light, name: kitchen light, area: kitchen, type: light,
     topics: {{state: flat{n}/light/state, set: flat{n}/light/set, availability: flat{n}/light/availability}}}}
  - {{id: kitchen_speaker, name: kitchen speaker, area: kitchen, type: speaker, satellite: true,
     topics: {{state: flat{n}/speaker/state, set: flat{n}/speaker/set, availability: flat{n}/speaker/availability}}}}
"""
"""Each home's file: the same flat, its devices on topics of their own (one broker serves them all)."""
DEVICES_READY_S = 120.0
"""How long the devices' process may take to bring every home's devices online."""
CONNECTIONS_PER_HOME = 3
"""Database connections a home may hold (its taught preferences, its start-up read; the turn log is shared)."""


@dataclass(frozen=True)
class FleetFigures:
    homes: int
    seconds: float
    turns_asked: int
    turns_per_s: float
    turn_p50_ms: float
    turn_p99_ms: float
    failed_turns: int
    """Turns that did not end in success (a device that did not confirm in time, an error)."""
    lost_turns: int
    database: str


async def _run(homes: int, seconds: float, db: str, folder: Path) -> FleetFigures:
    files = [folder / f"flat{n}.yaml" for n in range(homes)]
    for n, path in enumerate(files):
        path.write_text(FLAT.format(n=n))
    nlu = NluModel.load(load_home(files[0]))
    broker = Mosquitto(folder)
    await broker.start()
    latencies: list[float] = []
    outcomes: list[str] = []
    try:
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(in_own_process(files, broker.url, DEVICES_READY_S))
            turn_log = stack.enter_context(TurnLog(db))
            agents = []
            for n, path in enumerate(files):
                config = AgentConfig(home=path, broker=broker.url, db=db, require_wake=False,
                                     rewrites=folder / "rewrites.json", user=f"home{n}")
                agents.append(await stack.enter_async_context(Agent(config, nlu=nlu, turn_log=turn_log)))
            settle_heap()
            began = time.perf_counter()
            await asyncio.gather(*(_talk(agent, seconds, latencies, outcomes, random.Random(n))
                                   for n, agent in enumerate(agents)))
            elapsed = time.perf_counter() - began
            await asyncio.to_thread(turn_log.flush, 60)
        logged = count_turns(db)
    finally:
        await broker.stop()
    return FleetFigures(homes, round(elapsed, 1), len(outcomes), round(len(outcomes) / elapsed, 1),
                        round(percentile(latencies, 0.5), 1), round(percentile(latencies, 0.99), 1),
                        sum(o != Outcome.SUCCESS for o in outcomes), len(outcomes) - logged, db.split("://")[0])


async def _talk(agent: Agent, seconds: float, latencies: list[float], outcomes: list[str], rng: random.Random) -> None:
    """One request a second, starting at a random phase, switching the light on and off."""
    await asyncio.sleep(rng.uniform(0, 1))
    start = time.perf_counter()
    for n in range(int(seconds)):
        await asyncio.sleep(max(0.0, start + n - time.perf_counter()))
        began = time.perf_counter()
        trace = await agent.handle_text(f"turn {'on' if n % 2 == 0 else 'off'} the kitchen light")
        latencies.append((time.perf_counter() - began) * 1000)
        outcomes.append(trace.outcome)


def run(homes: int = 100, seconds: float = 30.0, db: str | None = None) -> FleetFigures:
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        if db is None:
            from agent.log.postgres import temporary_server

            db = stack.enter_context(temporary_server(max_connections=homes * CONNECTIONS_PER_HOME + 20))
        return asyncio.run(_run(homes, seconds, db, Path(tmp)))
