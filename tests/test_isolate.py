"""Failure-point isolation: injected faults with ground truth, the learned isolator, its explanations."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from agent.isolate.features import featurize_all
from agent.isolate.model import LABELS, Isolator
from agent.nlu.model import NluModel
from simulator.faults import simulate
from simulator.isolate_bench import evaluate, labelled_turns
from simulator.population import load_population

FAULTS = Path(__file__).resolve().parent.parent / "scenarios" / "populations" / "faults.yaml"


@pytest.fixture(scope="module")
def population():
    return load_population(FAULTS)


def test_injected_faults_carry_their_ground_truth_and_recovered_ones_count_as_correct(population, nlu: NluModel) -> None:
    turns = asyncio.run(simulate(population, 12, seed=5, nlu=nlu))
    by = Counter((t.injected, t.truth) for t in turns)
    assert by[("false_wake", "false_wake")] > 0
    for stage in ("asr", "nlu", "entity_resolution", "result"):
        assert by[(stage, stage)] > 0, by
    # a fault the pipeline recovered from (a dropped "the", a request with nothing to misroute) is no failure
    assert sum(n for (injected, truth), n in by.items() if injected and truth == "correct") > 0
    lost = [t for t in turns if t.truth == "result" and t.trace.outcome == "unconfirmed"]
    assert lost and all("didn't" in t.trace.response or "not" in t.trace.response for t in lost)
    woken = [t for t in turns if t.truth == "false_wake"]
    assert all(t.trace.heard in population.tv for t in woken)


def test_the_isolator_finds_the_failure_point_on_seeds_it_never_saw(population, nlu: NluModel) -> None:
    train = labelled_turns(population, (1, 2), 25, nlu)
    truth = {t.trace.turn_id: t.truth for t in train}
    features = [f for _, f in featurize_all(t.trace for t in train)]
    isolator = Isolator().fit(features, [truth[f.turn_id] for f in features])
    figures = evaluate(isolator, labelled_turns(population, (77,), 25, nlu))
    assert figures.accuracy >= 0.93, figures
    for label in LABELS:
        assert figures.support[label] > 0 and figures.per_label[label] >= 0.75, (label, figures)
    decision = isolator.decide([f for _, f in featurize_all(t.trace for t in train) if truth[f.turn_id] == "result"][:1])[0]
    assert decision.label == "result" and decision.reasons and decision.reasons[0][1] > 0
