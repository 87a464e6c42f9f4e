"""Benchmarks: text-turn latency, `parse` throughput and latency (beside hassil's strict matcher alone), intent
accuracy on the held-out set, on sentences sampled from Home Assistant's templates, and on the free-phrasing
development set."""

from __future__ import annotations

import asyncio
import itertools
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypedDict, cast

import yaml

from agent.home import Home, load_home
from agent.nlu.model import NluModel
from agent.resolve import ResolveContext
from agent.trace import Stage, TurnTrace

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT = ROOT / "tests" / "data" / "intents_handwritten.yaml"
FREE_PHRASING = ROOT / "tests" / "data" / "free_dev.yaml"
"""Loose, chatty requests written without looking at any template (a development set: we tune on it)."""
EVERYDAY_TALK = ROOT / "tests" / "data" / "everyday_talk.yaml"
"""Everyday talk that names the home's things but asks for nothing (held out: never trained or tuned on)."""
SAMPLED_PER_INTENT = 40
DEMO_HOME = ROOT / "scenarios" / "home.yaml"


@dataclass
class Figures:
    """What `ambient bench` prints."""

    turns: int
    turn_p50_ms: float
    turn_p99_ms: float
    nlu_p50_ms: float
    rewrite_p99_ms: float
    """The rewrite stage (precomputed table and online layers, learning from the turns as they come)."""
    parse_lines: int
    parse_per_s: float
    parse_cli_per_s: float
    say_cold_start_s: float
    accuracy_n: int
    intent_accuracy: float
    slot_exact: float
    template_n: int = 0
    """Sentences sampled from Home Assistant's templates with the home's names."""
    template_accuracy: float = 0.0
    """Share of them whose whole parse (our templates first) has the sampled intent."""
    free_n: int = 0
    free_intent_accuracy: float = 0.0
    free_slot_exact: float = 0.0
    free_unservable_idle: float = 0.0
    """Of the free-phrasing requests this home cannot serve, the share nothing is done for (no request found,
    or no such device): what the user notices, where `free_intent_accuracy` wants the NLU to say OutOfDomain."""
    parse_p50_ms: float = 0.0
    """One sampled sentence through our whole parse."""
    parse_p99_ms: float = 0.0
    hassil_p50_ms: float = 0.0
    """The same sentence through hassil's strict matcher alone (Home Assistant's sentences, our names)."""
    hassil_p99_ms: float = 0.0
    everyday_n: int = 0
    """Held-out everyday talk that names the home's things but asks for nothing, said as text turns."""
    everyday_actions: int = 0
    """Devices commanded in those turns (the target is none)."""


class TemplateFigures(TypedDict):
    """The `Figures` that `template_figures` measures."""

    template_n: int
    template_accuracy: float
    parse_p50_ms: float
    parse_p99_ms: float
    hassil_p50_ms: float
    hassil_p99_ms: float


def held_out() -> list[dict[str, Any]]:
    """The hand-written phrasings that are never trained on."""
    return cast(list[dict[str, Any]], yaml.safe_load(HELD_OUT.read_text()))  # untyped YAML: a list of cases


def everyday_talk() -> list[str]:
    """Everyday talk that names the home's things but asks for nothing (held out, never trained on)."""
    return cast(list[str], yaml.safe_load(EVERYDAY_TALK.read_text()))  # untyped YAML: a list of sentences


def actions_taken(traces: Iterable[TurnTrace | None]) -> int:
    """Devices commanded in these turns."""
    total = 0
    for trace in traces:
        record = trace.record(Stage.RESULT) if trace is not None else None
        if record is not None and isinstance(record.output, dict):
            total += len(record.output.get("actions") or ())
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def accuracy(model: NluModel, cases: list[dict[str, Any]]) -> tuple[float, float]:
    """(intent accuracy, share with every expected slot right)."""
    right = slots_right = 0
    for case, got in zip(cases, model.parse_many(c["text"] for c in cases)):
        right += got.name == case["intent"]
        slots_right += got.name == case["intent"] and all(
            str(got.slots.get(k)).lower() == str(v).lower() for k, v in case["slots"].items())
    return right / len(cases), slots_right / len(cases)


def kitchen_context(home: Home) -> ResolveContext:
    """What resolution knows when requests are spoken to the demo home's kitchen speaker."""
    satellite = home.device("kitchen_speaker")
    return ResolveContext(home, satellite.area if satellite else None, satellite, {})


def nothing_done_for_out_of_domain(model: NluModel, cases: list[dict[str, Any]]) -> float:
    """Share of the requests this home cannot serve ("turn on the dishwasher" in a home without one) that
    nothing is done for: the NLU finds no request, or resolution finds nothing in the home to act on."""
    from agent.resolve import resolve

    ctx = kitchen_context(load_home(DEMO_HOME))
    unservable = [c for c in cases if c["intent"] == "OutOfDomain"]
    idle = 0
    for got in model.parse_many(c["text"] for c in unservable):
        resolution = resolve(got, ctx)
        idle += got.name == "OutOfDomain" or resolution.problem is not None or (
            not resolution.devices and resolution.question is not None)
    return idle / max(1, len(unservable))


async def text_turns(model: NluModel, utterances: Iterable[str]) -> list[TurnTrace]:
    """Each utterance as a typed turn to the demo home's kitchen speaker, through to the result (devices acted on
    over MQTT; no TTS)."""
    from agent.agent import Agent
    from agent.broker import embedded_broker, parse_broker_url
    from agent.clock import SystemClock
    from agent.config import AgentConfig
    from devices.fleet import running as running_fleet

    traces = []
    async with embedded_broker() as url:
        clock = SystemClock()
        async with running_fleet(load_home(DEMO_HOME), parse_broker_url(url), clock, None):
            config = AgentConfig(home=DEMO_HOME, broker=url, db=None, require_wake=False)
            async with Agent(config, clock=clock, nlu=model) as agent:
                for text in utterances:
                    traces.append(await agent.handle_text(text, user="bench", device="kitchen_speaker",
                                                          end=Stage.RESULT))
    return traces


def turn_latencies(traces: list[TurnTrace]) -> tuple[list[float], list[float], list[float]]:
    """Per-turn ms (wake..result: rewrite, NLU, resolve, skill with MQTT round trip; no TTS), NLU and rewrite ms."""
    return ([sum(r.latency_ms for r in t.stages) for t in traces], [t.latency_ms(Stage.NLU) or 0.0 for t in traces],
            [t.latency_ms(Stage.REWRITE) or 0.0 for t in traces])


def parse_cli_rate(lines: list[str]) -> float:
    """Utterances per second through the real `ambient parse` process, model load included."""
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "agent", "parse"], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - began
    assert done.stdout.count("\n") == len(lines)
    return len(lines) / elapsed


def say_cold_start(runs: int = 3) -> float:
    """Median seconds for a whole `ambient say` process: imports, broker, devices, model, one turn."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            began = time.perf_counter()
            subprocess.run([sys.executable, "-m", "agent", "say", "turn on the kitchen light", "--db",
                            f"sqlite:///{tmp}/turns.db"], capture_output=True, check=True)
            times.append(time.perf_counter() - began)
    return statistics.median(times)


def template_figures(model: NluModel, per_intent: int = SAMPLED_PER_INTENT) -> TemplateFigures:
    """Intent accuracy on sentences sampled from Home Assistant's templates, and parse latency beside hassil's
    strict matcher alone on the same sentences."""
    from hassil import recognize_best

    from agent.nlu.assist import CONTEXT_AREA, HOME_ASSISTANT_NAMES, sampled

    assert model.assist is not None
    sentences = model.assist
    samples = sampled(sentences, per_intent)
    ours, theirs, right = [], [], 0
    for intent, text in samples:
        began = time.perf_counter()
        got = model.parse(text)
        ours.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        recognize_best(text, sentences.intents, slot_lists=sentences.slot_lists, language="en",
                       intent_context={"area": CONTEXT_AREA})  # hassil alone, as Home Assistant calls it
        theirs.append((time.perf_counter() - began) * 1000)
        right += HOME_ASSISTANT_NAMES.get(got.name, got.name) == intent
    return {"template_n": len(samples), "template_accuracy": right / len(samples),
            "parse_p50_ms": statistics.median(ours), "parse_p99_ms": percentile(ours, 0.99),
            "hassil_p50_ms": statistics.median(theirs), "hassil_p99_ms": percentile(theirs, 0.99)}


def run(turn_count: int = 1000, parse_count: int = 5000) -> Figures:
    model = NluModel.load(load_home(DEMO_HOME))
    cases = held_out()
    intent_acc, slot_acc = accuracy(model, cases)
    free = yaml.safe_load(FREE_PHRASING.read_text())
    free_acc, free_slots = accuracy(model, free)
    utterances = [c["text"] for c in cases if c["intent"] not in ("HassUnlockDoor",)]
    turns, nlu, rewrite = turn_latencies(asyncio.run(text_turns(model, itertools.islice(
        itertools.cycle(utterances), turn_count))))
    everyday = everyday_talk()
    lines = list(itertools.islice(itertools.cycle(c["text"] for c in cases), parse_count))
    began = time.perf_counter()
    parsed = sum(1 for _ in model.parse_many(lines))
    parse_rate = parsed / (time.perf_counter() - began)
    return Figures(
        turns=len(turns), turn_p50_ms=statistics.median(turns), turn_p99_ms=percentile(turns, 0.99),
        nlu_p50_ms=statistics.median(nlu), rewrite_p99_ms=percentile(rewrite, 0.99), parse_lines=parse_count, parse_per_s=parse_rate,
        parse_cli_per_s=parse_cli_rate(lines), say_cold_start_s=say_cold_start(), accuracy_n=len(cases), intent_accuracy=intent_acc,
        slot_exact=slot_acc, free_n=len(free), free_intent_accuracy=free_acc, free_slot_exact=free_slots,
        free_unservable_idle=nothing_done_for_out_of_domain(model, free), everyday_n=len(everyday),
        everyday_actions=actions_taken(asyncio.run(text_turns(model, everyday))),
        **template_figures(model),
    )


def as_dict(figures: Any) -> dict[str, Any]:
    """A benchmark's figures (a dataclass) as JSON-ready values, floats to four places at any depth."""
    rounded: dict[str, Any] = _rounded(asdict(figures))
    return rounded


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value
