"""Fault injection with ground truth: a simulated household's traffic where stages fail as they do for real.

Each request of a population (`faults:` rates in its file) may have one stage made to fail:

- `false_wake`: the TV said something that woke the agent (a sentence of the file's `tv:` list), with the
  wake score a near miss gets;
- `asr`: a word misheard (a similar-sounding word from `MISHEARD`, else dropped) or a small word dropped, with
  a lower recognizer confidence;
- `nlu`: the intent misrouted to one it is often confused with (`MISROUTES`);
- `entity_resolution`: the right kind of device in the wrong place, or none found;
- `result`: the device drops the command (it never confirms), or the skill acts on the wrong item.

The corrupted output goes on through the real downstream stages, so a fault can be recovered from (a dropped
"the", an online rewrite): then the turn is correct. The **ground truth** of a turn is `correct` when the user
got what they meant, else the stage that was made to fail (or, with none injected, the first stage whose
output differs from what the request needed). Users react as people do: after a wrong answer they may
interrupt it, say "no", say it again, or give up; after a false wake they may tell the agent to stop.
"""

from __future__ import annotations

import dataclasses
import random
import tempfile
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.agent import Agent
from agent.broker import embedded_broker, parse_broker_url
from agent.clock import VirtualClock
from agent.config import AgentConfig
from agent.context import TurnContext
from agent.home import Home, load_home
from agent.isolate.model import LABELS
from agent.log.writer import TurnLog
from agent.nlu.model import NluModel
from agent.pipeline import StageEngine
from agent.trace import TurnTrace
from agent.turn import Intent, Outcome, Resolution, Transcript, WakeEvent
from devices.fleet import DeviceFleet
from devices.fleet import running as running_fleet
from simulator.ab import meant
from simulator.population import Population, SimUser

FAULTS = LABELS[1:]
"""The stages a request can be made to fail at."""
START = 1_767_225_600.0
"""2026-01-01 00:00 UTC."""
DAY_S = 86_400.0
REACT_AFTER_S = (1.5, 4.0)
"""How soon a user reacts to a wrong answer (seconds, uniform)."""
CHAINED = 0.25
"""Share of requests said right after the user's previous one (another thing they want, not a rephrase)."""
CONFIRM_TIMEOUT_S = 0.3
"""How long the agent waits for a device to confirm (kept short: dropped commands are injected often)."""
MISHEARD = {
    "kitchen": "chicken", "light": "like", "lamp": "lamb", "floor": "four", "lights": "likes", "bedroom": "bathroom",
    "hallway": "highway", "on": "in", "off": "of", "music": "magic", "timer": "time", "weather": "whether",
    "lock": "look", "door": "four", "vacuum": "vacation", "thermostat": "thermos", "desk": "dusk", "fan": "van",
    "tv": "tea", "garage": "garbage", "pause": "paws", "play": "pay", "set": "sat", "ten": "tin",
}
"""Words a recognizer mishears as a similar-sounding one."""
SMALL_WORDS = frozenset({"the", "a", "please", "my", "to"})
MISROUTES = {
    "HassTurnOn": "HassTurnOff", "HassTurnOff": "HassTurnOn", "HassLightSet": "HassTurnOff",
    "HassGetWeather": "HassGetCurrentTime", "HassGetCurrentTime": "HassGetWeather",
    "HassStartTimer": "HassTimerStatus", "HassMediaPause": "HassMediaNext", "HassMediaUnpause": "HassMediaPause",
    "HassClimateSetTemperature": "HassClimateGetTemperature", "HassVacuumStart": "HassTurnOff",
    "HassMediaSearchAndPlay": "HassMediaUnpause", "HassSetVolume": "HassMediaPause",
}
"""Intents the NLU confuses, each with the one it is misrouted to."""
REACTIONS = {"no": "no that's wrong", "stop": "stop"}


@dataclass
class Injection:
    """The fault planned for the turn being handled, and whether it changed anything."""

    fleet: DeviceFleet
    rng: random.Random
    stage: str | None = None
    took: bool = False


class FaultyStage:
    """A real stage whose output the injection may corrupt."""

    def __init__(self, name: str, inner: StageEngine, injection: Injection) -> None:
        self.name, self.inner, self.injection = name, inner, injection

    async def process(self, data: Any, ctx: TurnContext) -> Any:
        rng, failing = self.injection.rng, self.injection.stage == self.name
        if self.name == "result" and failing and isinstance(data, Resolution) and data.problem is None:
            data = self._fail_result(data, rng)
        output = await self.inner.process(data, ctx)
        if isinstance(output, WakeEvent):  # text mode has no detector score: one as a real detector gives
            score = rng.triangular(0.45, 0.95, 0.7) if failing else rng.triangular(0.7, 1.0, 0.97)
            return dataclasses.replace(output, score=round(score, 3))
        if isinstance(output, Transcript):
            return self._heard(output, rng, failing)
        if failing and isinstance(output, Intent) and output.name in MISROUTES:
            self.injection.took = True
            # a statistical classifier's mistake: the templates match exactly (confidence 1) and do not misroute
            return dataclasses.replace(output, name=MISROUTES[output.name], confidence=round(rng.uniform(0.55, 0.98), 3),
                                       alternatives=())
        if failing and isinstance(output, Resolution) and output.devices and not output.steps:
            return self._wrong_entity(output, ctx.home, rng)
        return output

    def _heard(self, transcript: Transcript, rng: random.Random, failing: bool) -> Transcript:
        """A recognizer's confidence for the words, and with an asr fault, a word misheard or lost."""
        words = transcript.text.split()
        if failing and words:
            self.injection.took = True
            spots = [i for i, w in enumerate(words) if w.lower() in MISHEARD]
            small = [i for i, w in enumerate(words) if w.lower() in SMALL_WORDS]
            roll = rng.random()
            if spots and roll < 0.7:
                i = rng.choice(spots)
                words[i] = MISHEARD[words[i].lower()]
            elif small and roll < 0.85:
                del words[rng.choice(small)]
            else:
                del words[rng.randrange(len(words))]
            return Transcript(" ".join(words), round(rng.uniform(0.45, 0.92), 3), engine="simulated")
        return Transcript(transcript.text, round(rng.uniform(0.8, 1.0), 3), engine="simulated")

    def _wrong_entity(self, resolution: Resolution, home: Home, rng: random.Random) -> Resolution:
        """The same kind of device elsewhere, or none found."""
        self.injection.took = True
        meant = home.device_by_id[resolution.devices[0]]
        others = [d.id for d in home.devices if d.type == meant.type and d.id not in resolution.devices]
        if others and rng.random() < 0.75:
            chosen = rng.choice(others)
            return dataclasses.replace(resolution, devices=(chosen,), scores={chosen: round(rng.uniform(0.6, 1.0), 3)})
        return dataclasses.replace(resolution, devices=(), scores={},
                                   problem=f"I couldn't find the {meant.name.lower()}.")

    def _fail_result(self, resolution: Resolution, rng: random.Random) -> Resolution:
        """The skill acts on the wrong item, or the device drops the command (which only matters when it had
        something to change)."""
        if "search_query" in resolution.values and rng.random() < 0.7:
            self.injection.took = True
            return dataclasses.replace(resolution, values={**resolution.values, "search_query": "Hunger Games"
                                       if resolution.values["search_query"] != "Hunger Games" else "Jazz"})
        if "seconds" in resolution.values and rng.random() < 0.7:
            self.injection.took = True
            return dataclasses.replace(resolution, values={**resolution.values,
                                                           "seconds": resolution.values["seconds"] + 600})
        for device in resolution.devices:
            self.injection.fleet[device].drop_commands = 1
        return resolution


@dataclass(frozen=True)
class LabelledTurn:
    """A simulated turn with its ground truth."""

    trace: TurnTrace
    truth: str
    injected: str | None
    """The fault planned for it, whether or not it took."""


async def simulate(population: Population, requests_per_user: int, seed: int, nlu: NluModel,
                   workdir: Path | None = None) -> list[LabelledTurn]:
    """Every user's requests with faults injected at the population's rates; each turn with its ground truth.
    The turns are logged to `workdir/turns.db` when a workdir is given."""
    rng = random.Random(seed)
    home = load_home(population.home)
    clock = VirtualClock(START)
    labelled: list[LabelledTurn] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = workdir or Path(tmp)
        db = f"sqlite:///{folder / 'turns.db'}"
        async with AsyncExitStack() as stack:
            turn_log = stack.enter_context(TurnLog(db))
            households = []
            for _ in range(population.households):
                url = await stack.enter_async_context(embedded_broker())
                fleet = await stack.enter_async_context(running_fleet(home, parse_broker_url(url), clock, None))
                config = AgentConfig(home=population.home, broker=url, db=db, require_wake=False,
                                     rewrites=folder / "rewrites.json", confirm_timeout_s=CONFIRM_TIMEOUT_S)
                agent = await stack.enter_async_context(Agent(config, clock=clock, nlu=nlu, turn_log=turn_log))
                households.append((agent, _inject(agent, fleet, random.Random(rng.random()))))
            expected: dict[tuple[str, str], Resolution] = {}
            for at, user, habit in _schedule(population, requests_per_user, rng):
                agent, injection = households[user.household]
                await clock.jump(max(0.0, at - clock.now()))
                want = expected.get((user.id, habit)) or expected.setdefault(
                    (user.id, habit), meant(nlu, home, user, habit))
                fault = _draw(population, rng)
                if fault == "false_wake":
                    labelled.append(await _false_wake(agent, injection, population, user, rng))
                    continue
                turn = await _turn(agent, injection, user, habit, fault, want)
                labelled.append(turn)
                if turn.truth != "correct":
                    labelled += await _react(agent, injection, user, habit, want, turn.trace, rng, clock)
            turn_log.flush(30)
    return labelled


def _inject(agent: Agent, fleet: DeviceFleet, rng: random.Random) -> Injection:
    """Wrap the agent's stages so the injection can corrupt them."""
    injection = Injection(fleet, rng)
    stages = agent.running_pipeline.stages
    for name, attr in (("false_wake", "wake"), ("asr", "asr"), ("nlu", "nlu"), ("entity_resolution", "resolve"),
                       ("result", "result")):
        setattr(stages, attr, FaultyStage(name, getattr(stages, attr), injection))
    return injection


def _schedule(population: Population, requests: int, rng: random.Random) -> list[tuple[float, SimUser, str]]:
    """When each user makes each request (some right after their previous one), in time order."""
    planned = []
    for user in population.users:
        at = START + rng.uniform(7, 9) * 3600
        for _ in range(requests):
            at += rng.uniform(5, 15) if rng.random() < CHAINED else rng.uniform(600, 7200)
            planned.append((at, user, rng.choice(user.kind.habits)))
    return sorted(planned, key=lambda p: p[0])


def _draw(population: Population, rng: random.Random) -> str | None:
    roll, total = rng.random(), 0.0
    for fault in FAULTS:
        total += getattr(population.faults, fault)
        if roll < total:
            return fault
    return None


async def _turn(agent: Agent, injection: Injection, user: SimUser, said: str, fault: str | None,
                want: Resolution) -> LabelledTurn:
    injection.stage, injection.took = fault, False
    trace = await agent.handle_text(said, user=user.id, device=user.kind.device)
    took = injection.took or (fault == "result" and trace.outcome == Outcome.UNCONFIRMED)
    injection.stage = None
    for device in injection.fleet:
        device.drop_commands = 0
    right = _right(trace, want) and not (fault == "result" and took)
    truth = "correct" if right else fault if fault and took else _first_wrong(trace, want)
    return LabelledTurn(trace, truth, fault)


async def _false_wake(agent: Agent, injection: Injection, population: Population, user: SimUser,
                      rng: random.Random) -> LabelledTurn:
    """The TV wakes the agent; whoever is near may tell it to stop."""
    injection.stage = "false_wake"
    trace = await agent.handle_text(rng.choice(population.tv), user=user.id, device=user.kind.device)
    injection.stage = None
    if rng.random() < user.kind.barge_in:
        trace.barged_in = True
        agent.log_turn(trace)
    return LabelledTurn(trace, "false_wake", "false_wake")


async def _react(agent: Agent, injection: Injection, user: SimUser, habit: str, want: Resolution,
                 trace: TurnTrace, rng: random.Random, clock: VirtualClock) -> list[LabelledTurn]:
    """What the user does after a wrong answer: interrupt, say no, say it again, or give up."""
    kind, turns = user.kind, []
    if rng.random() < kind.barge_in:
        trace.barged_in = True
        agent.log_turn(trace)
    if rng.random() < kind.say_no:
        await clock.advance(rng.uniform(*REACT_AFTER_S))
        no = await agent.handle_text(REACTIONS["no"], user=user.id, device=kind.device)
        turns.append(LabelledTurn(no, "correct", None))
    if rng.random() < kind.rephrase:
        await clock.advance(rng.uniform(*REACT_AFTER_S))
        turns.append(await _turn(agent, injection, user, user.meant(habit), None, want))
    return turns


def _right(trace: TurnTrace, want: Resolution) -> bool:
    """The agent did what the user meant (a request no skill serves, answered as well as it can be, is right)."""
    done = trace.outcome in (Outcome.SUCCESS, Outcome.CONFIRM) or (trace.outcome == Outcome.UNSUPPORTED and not want.devices)
    return done and trace.intent == want.intent.name and tuple(trace.devices) == tuple(want.devices)


def _first_wrong(trace: TurnTrace, want: Resolution) -> str:
    """With nothing injected, the first stage whose output is not what the request needed."""
    if trace.intent != want.intent.name:
        return "nlu"
    if tuple(trace.devices) != tuple(want.devices):
        return "entity_resolution"
    return "result"
