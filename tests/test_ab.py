"""The self-learning A/B on a small simulated population: learning must cut defects on days it never saw,
win far more than it loses, and never open the garage without asking."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from agent.nlu.model import NluModel
from agent.yamlfile import ConfigError
from simulator import ab
from simulator.population import load_population

SMALL = """
home: {home}
households: 3
archetypes:
  - name: big light
    count: 4
    habits: ["turn on the big light", "turn off the big light"]
    fixes: {{"big light": "living room ceiling light"}}
  - name: misheard kitchen
    count: 4
    habits: ["turn on the kitchen light", "turn off the kitchen light"]
    asr: {{"kitchen": {{heard: "chicken", rate: 0.6}}}}
  - name: barn
    count: 3
    habits: ["open the barn door", "close the barn door"]
    fixes: {{"barn door": "garage door"}}
  - name: regular
    count: 4
    habits: ["turn on the floor lamp", "what time is it", "pause the music", "turn off the hallway light"]
"""
DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "home.yaml"


def test_a_population_file_becomes_users_who_mishear_and_rephrase(tmp_path: Path) -> None:
    path = tmp_path / "population.yaml"
    path.write_text(SMALL.format(home=DEMO))
    population = load_population(path)
    assert len(population.users) == 15 and population.home == DEMO
    assert sorted({u.household for u in population.users}) == [0, 1, 2]  # every kind of user in every home
    assert {u.household for u in population.users if u.kind.name == "barn"} == {0, 1, 2}
    kitchen = next(u for u in population.users if u.kind.name == "misheard kitchen")
    heard = {kitchen.say("turn on the kitchen light", random.Random(seed)) for seed in range(20)}
    assert heard == {"turn on the kitchen light", "turn on the chicken light"}
    big = population.users[0]
    assert big.meant("turn on the big light") == "turn on the living room ceiling light"
    requests = ab.traffic(population, days=2, seed=1)
    assert requests == ab.traffic(population, days=2, seed=1)  # both arms hear the same
    assert len(requests) == 15 * 6 * 2 and [r.at for r in requests] == sorted(r.at for r in requests)


def test_a_bad_population_file_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "population.yaml"
    path.write_text(SMALL.format(home=DEMO).replace("rate: 0.6", "rate: 1.6"))
    with pytest.raises(ConfigError, match="rate"):
        load_population(path)


async def test_learning_cuts_defects_on_unseen_days_and_never_opens_the_garage_unasked(
    tmp_path: Path, nlu: NluModel
) -> None:
    path = tmp_path / "population.yaml"
    path.write_text(SMALL.format(home=DEMO))
    figures = await ab.run(load_population(path), train_days=3, test_days=1, seed=2, nlu=nlu)
    assert figures.defect_rate_off > 0.15
    assert figures.relative_reduction >= 0.35, figures
    assert figures.rewrite_wins >= 5 * max(1, figures.rewrite_losses), figures
    assert figures.unconfirmed_security_from_rewrites == 0
