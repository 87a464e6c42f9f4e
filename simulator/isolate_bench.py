"""Training and judging the failure-point isolator on simulated traffic with injected faults.

The isolator is trained on seeds `TRAIN_SEEDS` of a fault population and judged on `TEST_SEEDS`, which it never
saw: overall accuracy, accuracy per true label (recall), and the confusion matrix.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from agent.cachedir import cache_root
from agent.home import load_home
from agent.isolate.features import TurnFeatures, featurize_all
from agent.isolate.model import LABELS, Isolator
from agent.nlu.model import NluModel
from simulator.faults import LabelledTurn, simulate
from simulator.population import Population

TRAIN_SEEDS = (1, 2, 3, 4)
TEST_SEEDS = (101, 102, 103)
REQUESTS_PER_USER = 40
MODEL_VERSION = 1
"""Bumped when what a cached isolator was trained on changes in a way the sources do not show."""


@dataclass(frozen=True)
class IsolationFigures:
    turns: int
    accuracy: float
    per_label: dict[str, float]
    """Of the turns truly of each label, the share labelled so."""
    support: dict[str, int]
    confusion: dict[str, dict[str, int]]
    """truth -> label given -> turns."""


def labelled_turns(population: Population, seeds: tuple[int, ...], requests: int, nlu: NluModel
                   ) -> list[LabelledTurn]:
    """The population's simulated turns with ground truth, seed after seed (devices' warnings about lost
    commands are the injected faults themselves: kept quiet)."""
    logging.getLogger("devices").setLevel(logging.ERROR)
    return [turn for seed in seeds for turn in asyncio.run(simulate(population, requests, seed, nlu))]


def train(population: Population, nlu: NluModel, seeds: tuple[int, ...] = TRAIN_SEEDS,
          requests: int = REQUESTS_PER_USER) -> Isolator:
    features, labels = featurized(labelled_turns(population, seeds, requests, nlu))
    return Isolator().fit(features, labels)


def trained(population: Population, population_file: Path, nlu: NluModel | None = None) -> Isolator:
    """The isolator trained on `population` (cached: the key is the population file and the code it ran); the
    NLU model of its home is loaded when not given."""
    here = Path(__file__).parent
    digest = hashlib.sha256(f"{MODEL_VERSION} {TRAIN_SEEDS} {REQUESTS_PER_USER}".encode())
    isolate = here.parent / "agent" / "isolate"
    for source in (population_file, here / "faults.py", isolate / "features.py", isolate / "model.py"):
        digest.update(Path(source).read_bytes())
    path = cache_root("isolate") / f"{digest.hexdigest()[:16]}.pickle"
    if path.exists():
        return Isolator.load(path)
    isolator = train(population, nlu or NluModel.load(load_home(population.home)))
    isolator.save(path)
    return isolator


def evaluate(isolator: Isolator, turns: list[LabelledTurn]) -> IsolationFigures:
    features, truth = featurized(turns)
    given = [d.label for d in isolator.decide(features)]
    confusion = {t: {g: 0 for g in LABELS} for t in LABELS}
    for t, g in zip(truth, given):
        confusion[t][g] += 1
    support = {t: sum(row.values()) for t, row in confusion.items()}
    return IsolationFigures(
        turns=len(truth),
        accuracy=round(sum(t == g for t, g in zip(truth, given)) / len(truth), 4) if truth else 0.0,
        per_label={t: round(confusion[t][t] / support[t], 4) if support[t] else 0.0 for t in LABELS},
        support=support, confusion=confusion)


def run(population: Population, population_file: Path, seeds: tuple[int, ...] = TEST_SEEDS,
        requests: int = REQUESTS_PER_USER) -> IsolationFigures:
    """The cached (or newly trained) isolator judged on held-out seeds."""
    nlu = NluModel.load(load_home(population.home))
    isolator = trained(population, population_file, nlu)
    return evaluate(isolator, labelled_turns(population, seeds, requests, nlu))


def featurized(turns: list[LabelledTurn]) -> tuple[list[TurnFeatures], list[str]]:
    """The turns' features and their ground-truth labels, in the same order."""
    truth = {t.trace.turn_id: t.truth for t in turns}
    features = [f for _, f in featurize_all(t.trace for t in turns)]
    return features, [truth[f.turn_id] for f in features]
