"""The failure-point isolator: a gradient-boosted tree classifier (scikit-learn) over `features.NAMES`, trained
on simulated turns whose failure point is known (`simulator.faults`), with each decision explained.

Explanation: for each feature, how much the probability of the chosen label drops when that feature is set to
what it typically is on a correct turn (the median of the training set's correct turns). The features whose
neutralizing costs the most are the decision's reasons; when no single one moves the decision (trees that are
sure for several reasons at once), the features furthest from typical, in standard deviations, come first.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from agent.isolate.features import NAMES, TurnFeatures

LABELS = ("correct", "false_wake", "asr", "nlu", "entity_resolution", "result")
"""No failure, or the first stage that failed beyond recovery."""
REASONS = 3
"""Features named per decision."""


@dataclass(frozen=True)
class Decision:
    """The isolator's label for one turn, how sure it is, and why."""

    turn_id: str
    label: str
    probability: float
    reasons: tuple[tuple[str, float], ...]
    """(feature, probability the label loses without it), strongest first."""


class Isolator:
    """Labels turns with their failure point."""

    def __init__(self, seed: int = 0) -> None:
        self.model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, random_state=seed)
        self.typical = np.zeros(len(NAMES))
        """Each feature's median on correct turns: the neutral value explanations compare against."""
        self.spread = np.ones(len(NAMES))
        """Each feature's standard deviation over the training turns."""

    def fit(self, features: Sequence[TurnFeatures], labels: Sequence[str]) -> Isolator:
        unknown = set(labels) - set(LABELS)
        if unknown:
            raise ValueError(f"unknown labels {sorted(unknown)}; known: {', '.join(LABELS)}")
        x = _matrix(features)
        y = np.array(labels)
        self.model.fit(x, y)
        correct = x[y == "correct"]
        self.typical = np.median(correct, axis=0) if len(correct) else np.median(x, axis=0)
        self.spread = np.maximum(x.std(axis=0), 1e-9)
        return self

    def decide(self, features: Sequence[TurnFeatures]) -> list[Decision]:
        """A decision per turn, in order."""
        if not features:
            return []
        x = _matrix(features)
        classes = list(self.model.classes_)
        probabilities = self.model.predict_proba(x)
        chosen = probabilities.argmax(axis=1)
        # every feature of every turn set to its typical value in turn: one batch of n * features rows
        neutral = np.repeat(x, len(NAMES), axis=0)
        columns = np.tile(np.arange(len(NAMES)), len(x))
        neutral[np.arange(len(neutral)), columns] = self.typical[columns]
        without = self.model.predict_proba(neutral).reshape(len(x), len(NAMES), len(classes))
        decisions = []
        for i, feature in enumerate(features):
            label = chosen[i]
            drops = probabilities[i, label] - without[i, :, label]
            unusual = np.abs(x[i] - self.typical) / self.spread  # breaks ties when no one feature decides alone
            order = np.lexsort((-unusual, -np.round(drops, 3)))[:REASONS]
            reasons = tuple((NAMES[j], round(float(drops[j]), 3)) for j in order if drops[j] > 0.01 or unusual[j] > 0)
            decisions.append(Decision(feature.turn_id, classes[label], round(float(probabilities[i, label]), 3),
                                      reasons))
        return decisions

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")  # processes saving the same model do not share a file
        tmp.write_bytes(pickle.dumps(self))
        tmp.replace(path)

    @staticmethod
    def load(path: Path) -> Isolator:
        """A model this code saved (our own cache file: never load one from elsewhere)."""
        found = pickle.loads(path.read_bytes())
        if not isinstance(found, Isolator):
            raise ValueError(f"{path} does not hold an isolator")  # noqa: TRY004 - a bad file, said as such
        return found


def _matrix(features: Sequence[TurnFeatures]) -> np.ndarray:
    return np.array([f.values for f in features], dtype=float)
