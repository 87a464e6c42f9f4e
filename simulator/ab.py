"""The self-learning A/B: the same seeded traffic through two fleets, learning off and on, judged on later days.

Each household is a home with its own broker, devices and agent; a fleet's agents share one turn log and one
rewrite table. Both arms hear exactly the same requests (drawn, mishearings included, before either runs);
only what follows a failure differs. During the training days the "on" arm learns as in production (each
home's online layers from its turns, `ambient learn` over the whole fleet's log at the end of each day); on
the test days it learns nothing more. A request is right
when the agent did what the user meant: the intent and devices that the user's words, put in the home's
terms, resolve to (a security action that asks first counts as right: the user says yes).

- defect rate: share of requests on test days not done right on the first try;
- win: a rewritten request done right that the other arm got wrong; loss: the reverse;
- unconfirmed security actions from rewrites: must be zero.
"""

from __future__ import annotations

import random
import tempfile
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

from agent.agent import Agent
from agent.bench import percentile
from agent.broker import embedded_broker, parse_broker_url
from agent.clock import VirtualClock
from agent.config import AgentConfig
from agent.dialogue.safety import opens_something
from agent.home import Home, load_home
from agent.learn.mine import relearn
from agent.log.writer import TurnLog
from agent.nlu.model import NluModel
from agent.resolve import ResolveContext, resolve
from agent.trace import Stage, TurnTrace
from agent.turn import Intent, Outcome, Resolution
from devices.fleet import running as running_fleet
from simulator.population import Population, SimUser

DAY_S = 86_400.0
START = 1_767_225_600.0
"""2026-01-01 00:00 UTC: the first simulated day."""
REPHRASE_AFTER_S = 3.0


@dataclass(frozen=True)
class Request:
    """One thing a user wants, as the recognizer delivers it, with the dice for what they do on failure."""

    day: int
    at: float
    user: SimUser
    habit: str
    said: str
    rephrase_roll: float
    barge_in_roll: float


@dataclass(frozen=True)
class Judged:
    """One test turn as the A/B judges it."""

    right: bool
    rewritten: bool
    unconfirmed_security: bool


@dataclass(frozen=True)
class ABFigures:
    users: int
    households: int
    train_days: int
    test_days: int
    test_requests: int
    defect_rate_off: float
    defect_rate_on: float
    relative_reduction: float
    rewrite_wins: int
    rewrite_losses: int
    win_loss: float
    """Wins per loss; the wins themselves when nothing was lost."""
    unconfirmed_security_from_rewrites: int
    rewrite_p99_ms: float


def traffic(population: Population, days: int, seed: int) -> list[Request]:
    """Every request of every user on every day, in time order."""
    rng = random.Random(seed)
    requests = []
    for day in range(days):
        for user in population.users:
            for _ in range(user.kind.turns_per_day):
                at = START + day * DAY_S + rng.uniform(7 * 3600, 22 * 3600)
                habit = rng.choice(user.kind.habits)
                requests.append(Request(day, at, user, habit, user.say(habit, rng), rng.random(), rng.random()))
    return sorted(requests, key=lambda r: r.at)


async def run_arm(population: Population, requests: list[Request], train_days: int, learning: bool, nlu: NluModel,
                  workdir: Path, db: str | None = None) -> tuple[list[Judged], list[float]]:
    """Play the traffic through one fleet (an agent per household, all logging to `db`, by default a SQLite
    file in `workdir`); the first try's outcome of each request, and rewrite-stage ms."""
    home = load_home(population.home)
    clock = VirtualClock(START)
    outcomes, rewrite_ms = [], []
    db = db or f"sqlite:///{workdir / 'turns.db'}"
    async with AsyncExitStack() as stack:
        turn_log = stack.enter_context(TurnLog(db))
        agents = []
        for _ in range(population.households):
            url = await stack.enter_async_context(embedded_broker())
            await stack.enter_async_context(running_fleet(home, parse_broker_url(url), clock, None))
            config = AgentConfig(home=population.home, broker=url, db=db, require_wake=False,
                                 rewrites=workdir / "rewrites.json", learning=learning)
            agents.append(await stack.enter_async_context(Agent(config, clock=clock, nlu=nlu, turn_log=turn_log)))
        expected: dict[tuple[str, str], Resolution] = {}
        day = 0
        for request in requests:
            if request.day != day:
                if learning and day < train_days:
                    await _learn(agents)
                day = request.day
                for agent in agents:
                    agent.online.learning = day < train_days
            await clock.jump(max(0.0, request.at - clock.now()))
            user = request.user
            agent = agents[user.household]
            want = expected.get((user.id, request.habit)) or expected.setdefault(
                (user.id, request.habit), meant(nlu, home, user, request.habit))
            trace = await agent.handle_text(request.said, user=user.id, device=user.kind.device)
            right = _right(trace, want)
            outcomes.append(Judged(right, trace.rewrite is not None, _unconfirmed(trace, home)))
            rewrite_ms.append(trace.latency_ms(Stage.REWRITE) or 0.0)
            if not right:
                await _react(agent, clock, request, trace)
    return outcomes, rewrite_ms


def meant(nlu: NluModel, home: Home, user: SimUser, habit: str) -> Resolution:
    """What the user means by `habit`: their words put in the home's terms, resolved with no context."""
    satellite = home.device(user.kind.device)
    return resolve(nlu.parse(user.meant(habit)), ResolveContext(home, satellite.area, satellite, {}))


def _right(trace: TurnTrace, want: Resolution) -> bool:
    return (trace.outcome in (Outcome.SUCCESS, Outcome.CONFIRM) and trace.intent == want.intent.name
            and tuple(trace.devices) == tuple(want.devices)
            and trace.slots.get("location") == want.intent.slots.get("location"))


def _unconfirmed(trace: TurnTrace, home: Home) -> bool:
    """A rewritten turn opened or unlocked something without asking first."""
    if trace.rewrite is None or trace.outcome != Outcome.SUCCESS or trace.intent is None:
        return False
    done = Resolution(Intent(trace.intent, trace.slots, 1.0, ""), tuple(trace.devices))
    return bool(opens_something(done, home))


async def _react(agent: Agent, clock: VirtualClock, request: Request, trace: TurnTrace) -> None:
    """What the user does after a wrong answer: interrupt it, and say it again in the home's words, or give up."""
    kind = request.user.kind
    if request.barge_in_roll < kind.barge_in:
        trace.barged_in = True
        agent.log_turn(trace)
    if request.rephrase_roll < kind.rephrase:
        await clock.advance(REPHRASE_AFTER_S)
        await agent.handle_text(request.user.meant(request.habit), user=request.user.id, device=kind.device)


async def _learn(agents: list[Agent]) -> None:
    """End of a training day: `ambient learn` on the fleet's log so far; every agent picks the table up."""
    assert agents[0].turn_log is not None
    agents[0].turn_log.flush(30)  # one log for the fleet
    config = agents[0].config
    assert config.db is not None
    relearn(config.db, config.rewrites)
    for agent in agents:
        agent.rewriter.reload()


async def run(population: Population, train_days: int = 7, test_days: int = 3, seed: int = 0,
              nlu: NluModel | None = None) -> ABFigures:
    """Both arms on the same traffic; figures over the test days."""
    model = nlu or NluModel.load(load_home(population.home))
    requests = traffic(population, train_days + test_days, seed)
    with tempfile.TemporaryDirectory() as off_dir, tempfile.TemporaryDirectory() as on_dir:
        off, _ = await run_arm(population, requests, train_days, False, model, Path(off_dir))
        on, rewrite_ms = await run_arm(population, requests, train_days, True, model, Path(on_dir))
    test = [i for i, r in enumerate(requests) if r.day >= train_days]
    defect_off = sum(not off[i].right for i in test) / len(test)
    defect_on = sum(not on[i].right for i in test) / len(test)
    wins = sum(on[i].rewritten and on[i].right and not off[i].right for i in test)
    losses = sum(on[i].rewritten and not on[i].right and off[i].right for i in test)
    return ABFigures(
        users=len(population.users), households=population.households, train_days=train_days, test_days=test_days, test_requests=len(test),
        defect_rate_off=round(defect_off, 4), defect_rate_on=round(defect_on, 4),
        relative_reduction=round((defect_off - defect_on) / defect_off, 4) if defect_off else 0.0,
        rewrite_wins=wins, rewrite_losses=losses, win_loss=round(wins / losses, 2) if losses else float(wins),
        unconfirmed_security_from_rewrites=sum(o.unconfirmed_security for o in on),
        rewrite_p99_ms=round(percentile(rewrite_ms, 0.99), 3) if rewrite_ms else 0.0,
    )
