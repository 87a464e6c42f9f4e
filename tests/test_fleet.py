"""Many homes, one PostgreSQL database: every household's agent logs there, and `ambient learn` learns from
all of them (a real PostgreSQL server the test starts)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import create_engine, text

from agent.nlu.model import NluModel
from agent.rewrite.table import load_table
from simulator import ab
from simulator.population import load_population

HOME = Path(__file__).resolve().parent.parent / "scenarios" / "home.yaml"
POPULATION = f"""
home: {HOME}
households: 3
archetypes:
  - name: big light
    count: 6
    habits: ["turn on the big light", "turn off the big light"]
    fixes: {{"big light": "living room ceiling light"}}
    rephrase: 1.0
    barge_in: 0.0
    turns_per_day: 4
  - name: wilkerson
    count: 3
    habits: ["what's the weather in wilkerson"]
    fixes: {{"in wilkerson": "in wilkerson california"}}
    rephrase: 1.0
    barge_in: 0.0
    turns_per_day: 4
"""


def test_homes_sharing_a_postgresql_log_learn_rewrites_from_each_other(postgres_url: str, tmp_path: Path,
                                                                       nlu: NluModel) -> None:
    spec = tmp_path / "population.yaml"
    spec.write_text(POPULATION)
    population = load_population(spec)
    requests = ab.traffic(population, 3, seed=4)
    outcomes, _ = asyncio.run(ab.run_arm(population, requests, 2, True, nlu, tmp_path, db=postgres_url))

    engine = create_engine(postgres_url)
    with engine.connect() as db:
        users = db.execute(text('SELECT DISTINCT "user" FROM turns')).scalars().all()
    engine.dispose()
    assert {u.split("-")[-1] for u in users} >= {"0", "1", "2"} and len(users) == len(population.users)
    rules = {rule.source: rule.target for rule in load_table(tmp_path / "rewrites.json").rules}
    assert rules.get("turn on the big light") == "turn on the living room ceiling light", rules
    # the last day, learned from everyone's rephrases in every home: the big light and the user's own Wilkerson
    last = [(r, o) for r, o in zip(requests, outcomes) if r.day == 2]
    assert last and all(o.right and o.rewritten for r, o in last), [(r.said, o) for r, o in last if not o.right]


def test_the_load_benchmark_finds_every_homes_turns_in_postgresql(postgres_url: str) -> None:
    """The fleet benchmark's own accounting: every home's requests done and logged through the one shared
    writer (a lost or failed turn would show in its figures)."""
    from simulator import fleet_bench

    figures = fleet_bench.run(homes=4, seconds=3, db=postgres_url)
    assert figures.turns_asked == 12
    assert figures.failed_turns == 0 and figures.lost_turns == 0
    assert figures.turn_p99_ms < 1000
