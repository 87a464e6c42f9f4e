"""Teachable AI: what a user teaches survives a restart, is theirs alone, is deleted when they ask, and never
opens a door unasked."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import agent.agent as agent_module
from agent.agent import Agent
from agent.clock import SystemClock
from agent.config import AgentConfig
from agent.home import load_home
from agent.nlu.model import NluModel
from agent.teach.parse import teaching
from devices.fleet import DeviceFleet, running

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "home.yaml"


@pytest.mark.parametrize("said,kind,value", [
    ("I'm a Warriors fan", "team", "warriors"),
    ("we are huge Arsenal fans", "team", "arsenal"),
    ("I like Italian restaurants", "cuisine", "italian"),
    ("I really love jazz music", "music", "jazz"),
])
def test_tastes_are_recognized(said: str, kind: str, value: str) -> None:
    taught = teaching(said)
    assert taught is not None and taught.slots == {"kind": kind, "value": value}


@pytest.mark.parametrize("said", ["turn on the light", "it's dark in here", "play some music",
                                  "i like it", "call mom", "when is sunset", "forget it"])
def test_requests_are_not_taken_for_teaching(said: str) -> None:
    assert teaching(said) is None


def test_routines_and_names_are_recognized() -> None:
    routine = teaching("When I say movie time, dim the living room lights and turn on the TV")
    assert routine.slots == {"kind": "routine", "trigger": "movie time",
                             "steps": "dim the living room lights and turn on the tv"}
    alias = teaching("call the big light the living room ceiling light")
    assert alias.slots == {"kind": "alias", "alias": "big light", "target": "living room ceiling light"}


async def agent_on(db: str, url: str, nlu: NluModel) -> Agent:
    agent = Agent(AgentConfig(home=DEMO, broker=url, db=db), clock=SystemClock(), nlu=nlu)
    await agent.start()
    return agent


@pytest.fixture
async def home_devices(amqtt_url: str) -> AsyncIterator[DeviceFleet]:
    async with running(load_home(DEMO), amqtt_url, SystemClock()) as fleet:
        yield fleet


async def test_teaching_survives_a_restart_and_is_the_teachers_alone(
    tmp_path: Path, amqtt_url: str, nlu: NluModel, home_devices: DeviceFleet
) -> None:
    db = f"sqlite:///{tmp_path / 'turns.db'}"
    first = await agent_on(db, amqtt_url, nlu)
    try:
        said = await first.handle_text("hey home call the big light the living room ceiling light", user="ann",
                                       device="tv")
        assert said.outcome == "success"
        await first.handle_text("hey home I love jazz music", user="ann", device="tv")
    finally:
        await first.stop()
    again = await agent_on(db, amqtt_url, nlu)
    try:
        lit = await again.handle_text("hey home turn on the big light", user="ann", device="tv")
        assert lit.devices == ["ceiling_light"] and home_devices["ceiling_light"].state["state"] == "on"
        music = await again.handle_text("hey home play some music", user="ann", device="kitchen_speaker")
        assert home_devices["kitchen_speaker"].state.get("media_title") == "Jazz", music.response
        other = await again.handle_text("hey home turn off the big light", user="bob", device="tv")
        assert other.devices == [] and home_devices["ceiling_light"].state["state"] == "on"
        theirs = await again.handle_text("hey home what do you know about me", user="bob", device="tv")
        assert "nothing yet" in theirs.response.lower()
    finally:
        await again.stop()


async def test_forgetting_deletes_the_rows(tmp_path: Path, amqtt_url: str, nlu: NluModel,
                                           home_devices: DeviceFleet) -> None:
    path = tmp_path / "turns.db"
    agent = await agent_on(f"sqlite:///{path}", amqtt_url, nlu)
    try:
        for said in ("I'm a Warriors fan", "I like Italian restaurants"):
            await agent.handle_text(f"hey home {said}", user="ann", device="tv")
        await agent.handle_text("hey home I like thai food", user="bob", device="tv")
        forgot = await agent.handle_text("hey home forget that", user="ann", device="tv")
        assert "italian" in forgot.response.lower()
        gone = await agent.handle_text("hey home forget everything about me", user="ann", device="tv")
        assert "deleted" in gone.response
    finally:
        await agent.stop()
    with sqlite3.connect(path) as db:
        rows = db.execute("select user, value from preferences").fetchall()
    assert rows == [("bob", '"thai"')]  # deleted, not hidden; bob's stays


async def test_a_taught_routine_asks_before_unlocking_every_time(tmp_path: Path, amqtt_url: str, nlu: NluModel,
                                                                 home_devices: DeviceFleet) -> None:
    agent = await agent_on(f"sqlite:///{tmp_path / 'turns.db'}", amqtt_url, nlu)
    try:
        await agent.handle_text("hey home when I say I'm home, turn on the hallway light and unlock the front door",
                                user="ann", device="tv")
        for _ in range(2):
            asked = await agent.handle_text("hey home I'm home", user="ann", device="tv")
            assert asked.outcome == "confirm" and "unlock the front door" in asked.response
            assert home_devices["front_door"].state["state"] == "locked"
            assert home_devices["hallway_light"].state["state"] == "off"  # nothing runs before the answer
        done = await agent.handle_text("hey home yes", user="ann", device="tv")
        assert done.outcome == "success"
        assert home_devices["front_door"].state["state"] == "unlocked"
        assert home_devices["hallway_light"].state["state"] == "on"
    finally:
        await agent.stop()


async def test_without_its_database_the_agent_says_it_cannot_remember_now(tmp_path: Path, amqtt_url: str,
                                                                       nlu: NluModel, home_devices: DeviceFleet) -> None:
    blocked = tmp_path / "not a folder"
    blocked.write_text("")
    agent = await agent_on(f"sqlite:///{blocked / 'turns.db'}", amqtt_url, nlu)
    try:
        said = await agent.handle_text("hey home I'm a Warriors fan", user="ann", device="tv")
        assert "can't reach my memory" in said.response and "haven't changed anything" in said.response
        works = await agent.handle_text("hey home turn on the kitchen light", user="ann", device="tv")
        assert works.outcome == "success"
    finally:
        await agent.stop()


def test_questions_that_need_what_was_taught_are_recognised() -> None:
    from agent.teach.parse import FIND_RESTAURANT, TEAM_NEWS, teaching

    for said in ("hey home how did my team do", "did my team win last night", "when does my team play next"):
        assert teaching(said).name == TEAM_NEWS, said
    for said in ("find me a good restaurant nearby", "where should we eat tonight", "recommend a place to eat"):
        assert teaching(said).name == FIND_RESTAURANT, said
    assert teaching("play jazz") is None and teaching("how did the oven do") is None


def test_the_sports_service_knows_fans_words_and_answers_the_same_every_time() -> None:
    from datetime import datetime

    from skills.sports import SimulatedScores, find_team

    assert find_team("the niners").name == "San Francisco 49ers" and find_team("dubs").name == "Golden State Warriors"
    assert find_team("red sox") is None
    scores, team = SimulatedScores(), find_team("warriors")
    now = datetime(2026, 11, 23, 19).timestamp()
    last, upcoming = scores.last_game(team, now), scores.last_game(team, now)
    assert last == upcoming and last.day < datetime.fromtimestamp(now).date() and last.opponent != team
    assert last.opponent.league == "NBA" and scores.next_game(team, now).day >= last.day
    for day in range(60):
        game = scores.last_game(team, now + day * 86_400)
        assert game.scored != game.conceded  # basketball has no draws


def test_restaurants_by_the_cuisine_taught_nearest_first() -> None:
    from skills.restaurants import load_listing, serving

    assert [r.name for r in serving("Italian")] == ["Luigi's Trattoria", "Nonna's Kitchen"]
    assert [r.name for r in serving("thai food")] == ["Bangkok Garden"]
    assert serving("ethiopian") == [] and load_listing()[0].name == "Taqueria El Sol"


def test_an_interview_answer_is_the_taste_itself_and_skip_or_stop_are_understood() -> None:
    from agent.teach.interview import ANSWER, QUESTIONS, answer, start

    asked = start("ann", 0.0)
    assert asked.question == QUESTIONS["team"]
    assert answer("hey home I'm a Warriors fan", asked).slots == {"kind": "team", "value": "warriors"}
    assert answer("the Boston Celtics", asked).slots == {"kind": "team", "value": "boston celtics"}
    assert answer("skip", asked) == answer("skip", asked) and answer("no thanks", asked).slots == {"kind": "team"}
    assert answer("never mind", asked).name == "HassNevermind" and answer("pass", asked).name == ANSWER
    food = asked.next(10.0)
    assert food.left[0] == "cuisine" and answer("I love Thai food", food).slots == {"kind": "cuisine", "value": "thai"}
    assert food.next(20.0).next(30.0) is None


async def test_taught_preferences_come_back_with_the_database_without_a_restart(
        tmp_path: Path, amqtt_url: str, nlu: NluModel, home_devices: DeviceFleet, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = f"sqlite:///{folder / 'turns.db'}"
    first = await agent_on(db, amqtt_url, nlu)
    await first.handle_text("hey home I love jazz music", user="ann", device="tv")
    await first.stop()
    away = tmp_path / "away"
    folder.rename(away)
    folder.write_text("")  # the database cannot be reached when the agent starts
    monkeypatch.setattr(agent_module, "RECONNECT_S", 0.1)
    agent = await agent_on(db, amqtt_url, nlu)
    try:
        await agent.handle_text("hey home play some music", user="ann", device="kitchen_speaker")
        assert home_devices["kitchen_speaker"].state.get("media_title") != "Jazz"
        folder.unlink()
        away.rename(folder)
        for _ in range(100):
            if agent.preferences is not None and agent.preferences.loaded:
                break
            await asyncio.sleep(0.05)
        music = await agent.handle_text("hey home play some music", user="ann", device="kitchen_speaker")
        assert home_devices["kitchen_speaker"].state.get("media_title") == "Jazz", music.response
    finally:
        await agent.stop()
