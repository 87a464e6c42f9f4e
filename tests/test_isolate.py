"""Failure-point isolation: injected faults with ground truth, the learned isolator, its explanations."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from agent.isolate.model import LABELS, Isolator
from agent.log.reader import all_traces
from agent.nlu.model import NluModel
from agent.report.page import FIGURES, write_report
from agent.report.stats import compute
from simulator.faults import LabelledTurn, simulate
from simulator.isolate_bench import evaluate, featurized, labelled_turns
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


@pytest.fixture(scope="module")
def training(population, nlu: NluModel) -> tuple[Isolator, list[LabelledTurn]]:
    """An isolator trained on three seeds of the fault population (a smaller run than the benchmark's)."""
    train = labelled_turns(population, (1, 2, 3), 20, nlu)
    return Isolator().fit(*featurized(train)), train


def test_the_isolator_finds_the_failure_point_on_seeds_it_never_saw(population, nlu: NluModel, training) -> None:
    isolator, train = training
    figures = evaluate(isolator, labelled_turns(population, (77,), 20, nlu))
    assert figures.accuracy >= 0.93, figures
    for label in LABELS:
        assert figures.support[label] > 0 and figures.per_label[label] >= 0.75, (label, figures)
    features, labels = featurized(train)
    decision = isolator.decide([next(f for f, label in zip(features, labels) if label == "result")])[0]
    assert decision.label == "result" and decision.reasons and decision.reasons[0][1] > 0


def test_the_report_shows_its_figures_in_a_real_headless_browser(population, nlu: NluModel, training,
                                                                  tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "Debian's chromium is needed (make setup installs it)"
    asyncio.run(simulate(population, 10, seed=9, nlu=nlu, workdir=tmp_path))
    traces = list(all_traces(f"sqlite:///{tmp_path / 'turns.db'}"))
    stats = compute(traces, training[0])
    assert stats.turns == len(traces) and stats.defects > 0 and sum(stats.failure_points.values()) > 0
    page = write_report(stats, tmp_path / "report")
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
             "--window-size=900,2200"]
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    assert f"{stats.turns} turns, {stats.defects} defective" in dom
    assert all(f'src="{name}"' in dom for name in FIGURES) and stats.top_failing[0][0] in dom
    shot = tmp_path / "shot.png"
    subprocess.run([*flags, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120, check=True)
    pixels = imread(shot)[..., :3]
    colored = (pixels.max(axis=2) - pixels.min(axis=2)) > 0.3  # the plots' bars and lines; text is grey
    rows = np.flatnonzero(colored.any(axis=1))
    assert colored.sum() > 5000, "the browser drew no figure"
    assert rows.max() - rows.min() > 1000, "the figures are not all drawn down the page"


def test_isolate_labels_a_logged_turn_log_from_the_command_line(population, nlu: NluModel,
                                                                       tmp_path: Path) -> None:
    """The command as people run it (`ambient report` takes the same isolator and the page is checked above),
    with an isolator learnt from a three-person fault population."""
    tiny = tmp_path / "tiny.yaml"
    tiny.write_text(FAULTS.read_text().replace("../home.yaml", str(population.home))
                    .replace("count: 6", "count: 1").replace("households: 2", "households: 1"))
    asyncio.run(simulate(population, 8, seed=11, nlu=nlu, workdir=tmp_path))
    db = f"sqlite:///{tmp_path / 'turns.db'}"
    ambient = [sys.executable, "-m", "agent"]
    found = subprocess.run([*ambient, "isolate", "--db", db, "--population", str(tiny), "--json"],
                           capture_output=True, text=True, timeout=600, check=True)
    rows = [json.loads(line) for line in found.stdout.splitlines()]
    assert rows and {row["label"] for row in rows} <= set(LABELS) - {"correct"}
    assert all(row["reasons"] and row["text"] for row in rows)
