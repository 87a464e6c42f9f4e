"""`ambient retrain`: automatic labels from simulated users' rephrases make the NLU understand their words."""

from __future__ import annotations

from pathlib import Path

from agent.nlu.train import TrainConfig
from simulator.population import load_population
from simulator.retrain_bench import run

PHRASINGS = Path(__file__).resolve().parent.parent / "scenarios" / "populations" / "phrasings.yaml"
SMALL = TrainConfig(per_intent=40, epochs=1, textcat_epochs=6)
"""A smaller model than the agent's, to keep two trainings quick; the benchmark uses the real one."""


def test_labels_from_rephrases_raise_accuracy_on_later_traffic_without_costing_the_hand_written_set() -> None:
    figures, (labels, examples) = run(load_population(PHRASINGS), days=1, config=SMALL)
    assert figures.labels >= 5 and {"HassTurnOn", "HassTurnOff"} <= {label.intent for label in labels}
    assert "xlightx" in " ".join(e.text for e in examples)  # device names as the classifier sees them
    assert figures.traffic_accuracy_after >= figures.traffic_accuracy_before + 0.3, figures
    assert figures.handwritten_accuracy_after >= figures.handwritten_accuracy_before - 0.005, figures
