"""Automatic labels put to work: a population whose phrasings the NLU misses talks to the agent (learning off,
so the failures reach the log), its rephrases become labels (`agent.learn.labels`), and the NLU is retrained
with them. Intent accuracy before and after, on later traffic of the same population that no label came from
(another seed) and on the hand-written test set (which must not get worse)."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agent.bench import accuracy, held_out
from agent.home import load_home
from agent.learn.labels import AutoLabel, auto_labels
from agent.log.reader import all_traces
from agent.nlu.generate import Example
from agent.nlu.model import NluModel
from agent.nlu.train import TrainConfig
from simulator import ab
from simulator.population import Population

TEST_SEED_OFFSET = 1000
"""The held-out traffic's seed is the training traffic's plus this."""


@dataclass(frozen=True)
class RetrainFigures:
    labels: int
    traffic_requests: int
    traffic_accuracy_before: float
    traffic_accuracy_after: float
    handwritten_accuracy_before: float
    handwritten_accuracy_after: float


def examples(labels: list[AutoLabel], nlu: NluModel) -> list[Example]:
    """Labels as training examples, in the form the intent classifier sees."""
    return [Example(nlu.classifier_text(label.text), label.intent) for label in labels]


def logged_labels(db: str) -> list[AutoLabel]:
    return auto_labels(all_traces(db))


def run(population: Population, days: int = 2, seed: int = 0, config: TrainConfig | None = None,
        labels: list[AutoLabel] | None = None) -> tuple[RetrainFigures, tuple[list[AutoLabel], list[Example]]]:
    """Retrain with `labels` (default: those of the population's simulated traffic, learning off); the figures,
    and the labels with the examples they became."""
    home = load_home(population.home)
    before = NluModel.load(home, config=config)
    if labels is None:
        logging.getLogger("devices").setLevel(logging.ERROR)
        with tempfile.TemporaryDirectory() as workdir:
            requests = ab.traffic(population, days, seed)
            asyncio.run(ab.run_arm(population, requests, days, False, before, Path(workdir)))
            labels = logged_labels(f"sqlite:///{Path(workdir) / 'turns.db'}")
    extra = examples(labels, before)
    after = NluModel.load(home, config=config, extra=extra)
    cases = [{"text": r.said, "intent": before.parse(r.user.meant(r.habit)).name, "slots": {}}
             for r in ab.traffic(population, days, seed + TEST_SEED_OFFSET)]
    handwritten = held_out()
    figures = RetrainFigures(
        labels=len(labels), traffic_requests=len(cases),
        traffic_accuracy_before=round(accuracy(before, cases)[0], 4),
        traffic_accuracy_after=round(accuracy(after, cases)[0], 4),
        handwritten_accuracy_before=round(accuracy(before, handwritten)[0], 4),
        handwritten_accuracy_after=round(accuracy(after, handwritten)[0], 4))
    return figures, (labels, extra)
