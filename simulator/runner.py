"""Runs a scenario against the real agent, simulated devices and a real broker, on a virtual clock."""

from __future__ import annotations

import json
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.agent import Agent
from agent.broker import embedded_broker, parse_broker_url
from agent.clock import VirtualClock
from agent.config import AgentConfig
from agent.home import Home, load_home
from agent.nlu.model import NluModel
from agent.states import matches
from agent.trace import TurnTrace
from agent.yamlfile import ConfigError
from devices.fleet import DeviceFleet
from devices.fleet import running as running_fleet
from simulator.scenario import Expect, Scenario, Step, load_scenario
from simulator.voice import AudioOptions, SpokenUsers, enrolled_model

STATE_WAIT_S = 1.0


LONG_WAIT_S = 3600.0
"""Waits longer than this jump the virtual clock instead of stepping through every device tick."""


@dataclass
class StepResult:
    """A `say` step's trace and every expectation it missed."""

    step: int
    trace: TurnTrace
    failures: list[str] = field(default_factory=list)


@dataclass
class ScenarioReport:
    """Everything a scenario run produced."""

    name: str
    results: list[StepResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(not r.failures for r in self.results)

    def to_json(self) -> str:
        return json.dumps({
            "scenario": self.name, "passed": self.passed,
            "turns": [{"step": r.step, "failures": r.failures, "trace": r.trace.to_dict()} for r in self.results],
        }, indent=2)


@asynccontextmanager
async def broker_url(url: str | None) -> AsyncIterator[str]:
    """The given broker, or an embedded amqtt broker for the duration."""
    if url:
        yield url
    else:
        async with embedded_broker() as started:
            yield started


async def run_scenario(
    path: Path | str, broker: str | None = None, db: str | None = None, nlu: NluModel | None = None,
    tts: str = "null", speech_dir: Path | None = None, on_turn: Any = None, audio: AudioOptions | None = None,
) -> ScenarioReport:
    """Run every step (typed, or spoken through the audio pipeline); `on_turn(StepResult)` after each turn."""
    scenario = load_scenario(path)
    home = load_home(scenario.home)
    _check_devices(path, scenario, set(home.device_by_id))
    clock = VirtualClock(scenario.start.timestamp())
    report = ScenarioReport(scenario.name)
    async with broker_url(broker) as url, _log_db(db) as db_url:
        address = parse_broker_url(url)
        async with running_fleet(home, address, clock, scenario.initial) as fleet:
            config = AgentConfig(home=scenario.home, broker=url, db=db_url, require_wake=scenario.require_wake,
                                 tts=tts, acoustic_model=_acoustic_model(home, scenario, audio),
                                 **(audio.recognizer() if audio else {}),
                                 **({"speech_dir": speech_dir} if speech_dir else {}))
            async with Agent(config, clock=clock, nlu=nlu) as agent:
                users = SpokenUsers(agent, clock, audio) if audio else None
                steps = scenario.steps
                for index, step in enumerate(steps, 1):
                    upcoming = steps[index] if index < len(steps) else None
                    interrupt = upcoming.barge_in if upcoming else None
                    if step.barge_in is not None and users is None and report.results:
                        _interrupt_in_text(agent, report.results[-1].trace)
                    result = await _run_step(index, step, agent, fleet, clock, users, interrupt)
                    if result is not None and step.barge_in is not None:
                        result.failures += _interrupted(report.results)
                    if result is not None:
                        report.results.append(result)
                        if on_turn:
                            on_turn(result)
    return report


@asynccontextmanager
async def _log_db(db: str | None) -> AsyncIterator[str]:
    """`db`, or a throwaway SQLite log for this run (what users teach lives there too)."""
    if db is not None:
        yield db
        return
    with tempfile.TemporaryDirectory(prefix="ambient-scenario-") as folder:
        yield f"sqlite:///{Path(folder) / 'turns.db'}"


def _acoustic_model(home: Home, scenario: Scenario, audio: AudioOptions | None) -> Path | None:
    """The acoustic model spoken scenarios use: the given one, or the scenario's speakers enrolled."""
    if audio is None or audio.acoustic_model or not audio.enroll:
        return audio.acoustic_model if audio else None
    return enrolled_model(home, (step.user or "guest" for step in scenario.steps if step.say), audio)


async def _run_step(
    index: int, step: Step, agent: Agent, fleet: DeviceFleet, clock: VirtualClock,
    users: SpokenUsers | None, interrupt_after: float | None,
) -> StepResult | None:
    if step.wait is not None:  # a long wait (nights between habits) jumps: devices tick once, at its end
        await (clock.jump(step.wait) if step.wait > LONG_WAIT_S else clock.advance(step.wait))
        await _caught_up(agent, fleet)
        return None
    if step.set is not None:
        assert step.device
        await fleet.set_state(step.device, **step.set)
        await agent.states.wait_for(step.device, matches(step.set), STATE_WAIT_S)
        return None
    assert step.say is not None
    if users is not None:
        trace = await users.say(step.say, step.user, step.device, interrupt_after)
    else:
        trace = await agent.handle_text(step.say, user=step.user, device=step.device)
    failures = await check(step.expect, trace, agent) if step.expect else []
    return StepResult(index, trace, failures)


async def _caught_up(agent: Agent, fleet: DeviceFleet) -> None:
    """What changed while time passed (an alarm went off) reaches the agent before anyone speaks, as it would
    have in real time."""
    for device in fleet:
        await agent.states.wait_for(device.device.id, matches(dict(device.state)), STATE_WAIT_S)


async def check(expect: Expect, trace: TurnTrace, agent: Agent) -> list[str]:
    """Every way `trace` and the devices fall short of `expect`, in words."""
    failures = []
    if expect.intent is not None and trace.intent != expect.intent:
        failures.append(f"intent: expected {expect.intent}, got {trace.intent}")
    for slot, want in expect.slots.items():
        if trace.slots.get(slot) != want:
            failures.append(f"slot {slot}: expected {want!r}, got {trace.slots.get(slot)!r}")
    if expect.outcome is not None and trace.outcome != expect.outcome:
        failures.append(f"outcome: expected {expect.outcome}, got {trace.outcome}")
    if expect.devices is not None and sorted(trace.devices) != sorted(expect.devices):
        failures.append(f"devices: expected {expect.devices}, got {trace.devices}")
    response = trace.response.lower()
    failures += [f"response lacks {w!r}: {trace.response!r}" for w in expect.response_contains if w.lower() not in response]
    failures += [f"response has {w!r}: {trace.response!r}" for w in expect.response_excludes if w.lower() in response]
    for device_id, want in expect.states.items():
        wanted = {k: tuple(v) if isinstance(v, list) else v for k, v in want.items()}
        if not await agent.states.wait_for(device_id, matches(wanted), STATE_WAIT_S):
            failures.append(f"{device_id}: expected {want}, state is {agent.states.get(device_id)}")
    return failures


def _interrupt_in_text(agent: Agent, previous: TurnTrace) -> None:
    """Text mode has no audio to cut: the interruption is recorded as it would be."""
    previous.barged_in = True
    agent.log_turn(previous)


def _interrupted(earlier: list[StepResult]) -> list[str]:
    """A barge-in step must have cut the previous answer short (text mode marks it so)."""
    if not earlier:
        return ["barge_in: there is no earlier answer to interrupt"]
    return [] if earlier[-1].trace.barged_in else ["barge_in: the previous answer was not interrupted"]


def _check_devices(path: Path | str, scenario: Scenario, known: set[str]) -> None:
    for where, device in [("initial", d) for d in scenario.initial] + [
        (f"steps.{i}.device", s.device) for i, s in enumerate(scenario.steps) if s.device
    ]:
        if device not in known:
            raise ConfigError(path, None, where, f"unknown device {device!r}")

