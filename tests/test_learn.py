"""Precomputed rewrites: the absorbing Markov chain on hand-checked chains, mining a real turn log with
`ambient learn`, and a running agent picking the table up without a restart."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.agent import Agent
from agent.cli import app
from agent.clock import SystemClock
from agent.config import AgentConfig
from agent.feedback.rephrase import TurnView
from agent.home import load_home
from agent.learn.markov import Chain
from agent.learn.mine import REWRITTEN_WEIGHT, fill
from agent.log.reader import LoggedTurn, read_turns
from agent.nlu.model import NluModel
from agent.rewrite.online import OnlineRewriter
from agent.rewrite.table import (
    PrecomputedRewriter,
    RewriteRule,
    RewriteTable,
    load_table,
    save_table,
)
from agent.trace import RULE_PREFIX, Stage
from devices.fleet import DeviceFleet, running

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "home.yaml"


def test_absorption_probabilities_of_a_small_chain() -> None:
    """a -> b twice, a fails once, a works once; b works 3 times, goes to c once; c always works.
    By hand: B(a, b) = 2/4 * 3/4, B(a, c) = 2/4 * 1/4, B(a, a) = 1/4, B(b, b) = 3/4, B(b, c) = 1/4."""
    chain = Chain()
    chain.rephrase("a", "b", 2)
    chain.fail("a")
    chain.succeed("a", "a")
    chain.succeed("b", "b", 3)
    chain.rephrase("b", "c")
    chain.succeed("c", "c")
    assert chain.absorption("a") == pytest.approx({"a": 0.25, "b": 0.375, "c": 0.125})
    assert chain.absorption("b") == pytest.approx({"b": 0.75, "c": 0.25})
    rules = chain.solve(min_support=1, min_probability=0.3, min_gain=0.1)
    assert rules == [RewriteRule("a", "b", 0.375, 0.25, 4.0)]


def test_a_cycle_is_solved_through_the_fundamental_matrix() -> None:
    """x and y rephrase into each other half the time: B(x, x) = 1/2 + 1/2 B(y, x), B(y, x) = 1/2 B(x, x),
    so B(x, x) = 2/3 and B(x, y) = 1/3; x works best as said, so there is no rule."""
    chain = Chain()
    for a, b in (("x", "y"), ("y", "x")):
        chain.rephrase(a, b)
        chain.succeed(a, a)
    assert chain.absorption("x") == pytest.approx({"x": 2 / 3, "y": 1 / 3})
    assert chain.solve(min_support=1, min_probability=0.0, min_gain=0.0) == []


def test_rare_or_already_working_requests_get_no_rule() -> None:
    chain = Chain()
    chain.rephrase("play hunger games", "play the hunger games movie", 2)  # too rare
    chain.succeed("play the hunger games movie", "play the hunger games movie")
    chain.succeed("play jazz", "play jazz", 20)  # works as said, rephrased once
    chain.rephrase("play jazz", "play some jazz")
    chain.succeed("play some jazz", "play some jazz")
    assert chain.solve(min_support=3) == []


def view(text: str, at: float, outcome: str = "success") -> TurnView:
    return TurnView(text, at, at + 1.0, outcome, "HassTurnOn", False, "ann", "kitchen_speaker")


def test_the_learner_does_not_reinforce_its_own_rewrites() -> None:
    """A rewritten turn that works counts a quarter; one that fails counts fully against the rewrite."""
    chain = Chain()
    fill(chain, [LoggedTurn(view("turn on the big light", 0.0), "turn on the ceiling light")])
    fill(chain, [LoggedTurn(view("turn on the big light", 100.0, "unresolved"), "turn on the ceiling light")])
    assert chain.absorption("turn on the big light") == pytest.approx(
        {"turn on the ceiling light": REWRITTEN_WEIGHT / (1 + REWRITTEN_WEIGHT)})


@pytest.fixture
async def home_world(amqtt_url: str, tmp_path: Path, nlu: NluModel) -> AsyncIterator[tuple[Agent, DeviceFleet]]:
    clock = SystemClock()
    async with running(load_home(DEMO), amqtt_url, clock) as fleet:
        config = AgentConfig(home=DEMO, broker=amqtt_url, db=f"sqlite:///{tmp_path / 'turns.db'}",
                             rewrites=tmp_path / "rewrites.json")
        async with Agent(config, clock=clock, nlu=nlu) as agent:
            yield agent, fleet


async def test_rephrases_across_users_become_a_rewrite_the_running_agent_uses(
    home_world: tuple[Agent, DeviceFleet]
) -> None:
    agent, fleet = home_world
    for user in ("ann", "bob", "cat", "dan"):  # each calls it "the big light", then says what the home calls it
        failed = await agent.handle_text("hey home turn on the big light", user=user, device="tv")
        worked = await agent.handle_text("hey home turn on the living room ceiling light", user=user, device="tv")
        assert failed.outcome == "unresolved" and worked.outcome == "success"
        assert worked.rephrase_of == failed.turn_id
        await agent.handle_text("hey home turn off the living room ceiling light", user=user, device="tv")
    agent.turn_log.flush(5)

    table = agent.config.rewrites
    done = await asyncio.to_thread(CliRunner().invoke, app, ["learn", "--db", agent.config.db, "--out", str(table)])
    assert done.exit_code == 0, done.output
    assert "turn on the big light -> turn on the living room ceiling light" in done.output
    rules = load_table(table).rules
    assert [(r.source, r.target, r.support) for r in rules] == [
        ("turn on the big light", "turn on the living room ceiling light", 4.0)]

    await asyncio.sleep(1.1)  # the rewriter looks at the file once a second
    trace = await agent.handle_text("hey home turn on the big light", user="eve", device="tv")
    assert trace.outcome == "success" and trace.devices == ["ceiling_light"]
    assert trace.rewrite == "precomputed:turn on the big light"
    assert fleet["ceiling_light"].state["state"] == "on"


async def test_a_learned_rewrite_to_open_the_garage_asks_first(home_world: tuple[Agent, DeviceFleet]) -> None:
    agent, fleet = home_world
    save_table(agent.config.rewrites, RewriteTable([RewriteRule("open the barn", "open the garage door", 0.9, 0.0, 10.0)]))
    await asyncio.sleep(1.1)
    trace = await agent.handle_text("hey home open the barn", user="ann", device="tv")
    assert trace.rewrite == "precomputed:open the barn"
    assert trace.outcome == "confirm" and "garage door" in trace.response
    assert fleet["garage_door"].state["state"] == "closed"


def test_a_broken_table_keeps_the_rules_loaded_before(tmp_path: Path) -> None:
    table = tmp_path / "rewrites.json"
    save_table(table, RewriteTable([RewriteRule("turn on the big light", "turn on the ceiling light", 0.8, 0.0, 5.0)]))
    rewriter = PrecomputedRewriter(table)
    assert rewriter.rewrite("turn on the big light").text == "turn on the ceiling light"
    table.write_text("{not json")
    rewriter.reload()
    assert rewriter.rewrite("turn on the big light").text == "turn on the ceiling light"
    assert rewriter.rewrite("turn on the kitchen light") is None
    table.write_text(json.dumps({"format": 1, "generated_at": 0, "rules": []}))
    rewriter.reload()
    assert rewriter.rewrite("turn on the big light") is None


def test_mining_a_synthetic_log_finds_the_planted_rewrites_and_only_those(tmp_path: Path) -> None:
    from agent.learn.mine import mine
    from agent.log.reader import read_turns
    from simulator.learn_bench import write_log

    url = f"sqlite:///{tmp_path / 'turns.db'}"
    planted = write_log(url, 30_000, seed=3)
    rules = mine(read_turns(url)).rules
    assert rules and all(planted.get(rule.source) == rule.target for rule in rules)
    assert len(rules) >= 0.5 * len(planted)


BIG_LIGHT = RewriteRule("turn on the big light", "turn on the living room ceiling light", 0.8, 0.0, 5.0)


def test_a_rewrite_users_keep_rejecting_is_retired_while_the_agent_runs(tmp_path: Path) -> None:
    table = tmp_path / "rewrites.json"
    save_table(table, RewriteTable([BIG_LIGHT]))
    rewriter = PrecomputedRewriter(table)
    rule = rewriter.rewrite("turn on the big light").rule
    for won in (True, True, False, True, False, True):
        rewriter.score(rule, won)
    assert rewriter.rewrite("turn on the big light") is not None  # 2 losses of 6: still in service
    rewriter.score(rule, False)
    assert rewriter.rewrite("turn on the big light") is None  # 3 of 7
    rewriter.reload()
    assert rewriter.rewrite("turn on the big light") is None


async def test_rejected_rewrites_are_retired_by_the_next_learn_and_people_can_disable_them(
    home_world: tuple[Agent, DeviceFleet]
) -> None:
    """Everyone who says "the big light" means the floor lamp: each rewritten turn gets a "no"."""
    agent, _ = home_world
    table = agent.config.rewrites
    save_table(table, RewriteTable([BIG_LIGHT]))
    await asyncio.sleep(1.1)
    for user in ("ann", "bob", "cat"):
        wrong = await agent.handle_text("hey home turn on the big light", user=user, device="tv")
        assert wrong.rewrite == RULE_PREFIX + BIG_LIGHT.source
        no = await agent.handle_text("hey home no", user=user, device="tv")
        assert no.intent == "HassDeny"
        await agent.handle_text("hey home turn on the floor lamp", user=user, device="tv")
    agent.turn_log.flush(5)
    runner = CliRunner()
    done = await asyncio.to_thread(runner.invoke, app, ["learn", "--db", agent.config.db, "--out", str(table)])
    assert done.exit_code == 0 and "retired turn on the big light: retired: lost 3 of 3 times" in done.output
    assert load_table(table).active() == {}
    shown = await asyncio.to_thread(runner.invoke, app, ["rewrites", "show", "turn on the big light", "--table",
                                                         str(table), "--db", agent.config.db])
    assert "applied 3 times: 0 won, 3 lost" in shown.output

    save_table(table, RewriteTable([BIG_LIGHT]))
    done = runner.invoke(app, ["rewrites", "disable", "Turn on the BIG light", "--table", str(table)])
    assert done.exit_code == 0
    listed = runner.invoke(app, ["rewrites", "list", "--table", str(table)])
    assert "0 rewrites in service, 1 out of service" in listed.output and "disabled" in listed.output
    assert load_table(table).disabled == {BIG_LIGHT.source: "disabled by a person"}
    await asyncio.sleep(1.1)
    trace = await agent.handle_text("hey home turn on the big light", user="dan", device="tv")
    assert trace.rewrite is None and trace.outcome == "unresolved"


async def test_the_agent_learns_a_users_habit_and_completes_their_short_request(
    home_world: tuple[Agent, DeviceFleet]
) -> None:
    agent, _ = home_world
    for _ in range(3):  # on other days, in between other requests
        habit = await agent.handle_text("hey home what's the weather in wilkerson california", user="ann",
                                        device="kitchen_speaker")
        assert habit.outcome == "success" and habit.rewrite is None and habit.rephrase_of is None
        await agent.handle_text("hey home what time is it", user="ann", device="kitchen_speaker")
    short = await agent.handle_text("hey home what's the weather in wilkerson", user="ann", device="kitchen_speaker")
    assert short.rewrite == "online:personal"
    assert short.record(Stage.REWRITE).output["text"] == "what's the weather in wilkerson california"
    assert "california" in short.response.lower()
    other = await agent.handle_text("hey home what's the weather in wilkerson", user="bob", device="kitchen_speaker")
    assert other.rewrite is None  # one user's habit is not everyone's


async def test_a_bare_device_name_switches_it_the_way_the_users_habit_would_in_its_present_state(
    home_world: tuple[Agent, DeviceFleet]
) -> None:
    """ann switches the kitchen light on and off in full sentences; "kitchen light" alone then toggles it."""
    agent, fleet = home_world
    for _ in range(3):
        for word in ("on", "off"):
            done = await agent.handle_text(f"hey home turn {word} the kitchen light", user="ann", device="kitchen_speaker")
            assert done.outcome == "success" and fleet["kitchen_light"].state["state"] == word
    toggled = await agent.handle_text("hey home kitchen light", user="ann", device="kitchen_speaker")
    assert toggled.record(Stage.REWRITE).output["text"] == "turn on the kitchen light"
    assert fleet["kitchen_light"].state["state"] == "on"
    toggled = await agent.handle_text("hey home kitchen light", user="ann", device="kitchen_speaker")
    assert toggled.record(Stage.REWRITE).output["text"] == "turn off the kitchen light"
    assert fleet["kitchen_light"].state["state"] == "off"
    agent.turn_log.flush(5)
    restarted = OnlineRewriter()  # what an agent learns from the log when it starts
    restarted.learn(read_turns(agent.config.db, context=True))
    found = restarted.rewrite("kitchen light", agent.new_turn("ann", "kitchen_speaker"))
    assert found is not None and found.text == "turn on the kitchen light"


def test_learning_from_a_log_that_is_not_there_is_a_clear_error(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["learn", "--db", f"sqlite:///{tmp_path / 'none' / 'turns.db'}",
                                    "--out", str(tmp_path / "rewrites.json")])
    assert done.exit_code == 2
    assert "cannot read the turn log" in done.output and "unable to open database file" in done.output
    assert not (tmp_path / "rewrites.json").exists()
