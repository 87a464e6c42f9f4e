"""Habits: learned per user from turns that named their choice, with decay, and never from themselves."""

from __future__ import annotations

import time
from pathlib import Path

from agent.feedback.rephrase import TurnView
from agent.home import load_home
from agent.learn.habits import HALF_LIFE_DAYS, Habits, light_key, play_key
from agent.log.reader import LoggedTurn

HOME = load_home(Path(__file__).resolve().parent.parent / "scenarios" / "home.yaml")
NIGHT = time.mktime((2026, 3, 2, 23, 0, 0, 0, 0, -1))
DAY = 86_400.0


def test_a_choice_made_again_and_again_becomes_the_habit_and_only_that_users() -> None:
    habits = Habits(HOME)
    for night in range(3):
        habits.observe("ann", "bedroom", "HassLightSet", {"name": "bedside lamp", "brightness": 30},
                       ["bedside_lamp"], NIGHT + night * DAY)
    at = NIGHT + 3 * DAY
    assert habits.usual(light_key("ann", "bedroom", at), at) == (("bedside_lamp",), 30)
    assert habits.usual(light_key("bob", "bedroom", at), at) is None
    morning = at + 10 * 3600
    assert habits.usual(light_key("ann", "bedroom", morning), morning) is None  # another time of day


def test_old_habits_fade_and_unnamed_choices_do_not_count() -> None:
    habits = Habits(HOME)
    for day in range(4):
        habits.observe("ann", "kitchen", "HassMediaSearchAndPlay", {"search_query": "Jazz"}, ["kitchen_speaker"],
                       NIGHT + day * DAY)
    later = NIGHT + 4 * HALF_LIFE_DAYS * DAY
    for day in range(3):
        habits.observe("ann", "kitchen", "HassMediaSearchAndPlay", {"search_query": "the beatles"},
                       ["kitchen_speaker"], later + day * DAY)
    assert habits.usual(play_key("ann"), later + 3 * DAY) == "the beatles"
    for _ in range(10):  # "play some music" that a habit answered names nothing
        habits.observe("ann", "kitchen", "HassMediaSearchAndPlay", {"media_class": "music"}, ["kitchen_speaker"],
                       later + 3 * DAY)
    assert habits.usual(play_key("ann"), later + 3 * DAY) == "the beatles"


def test_habits_come_back_from_the_log() -> None:
    habits = Habits(HOME)
    turns = [LoggedTurn(TurnView("set the bedside lamp to 30 percent", NIGHT + d * DAY, NIGHT + d * DAY + 1,
                                 "success", "HassLightSet", user="ann", device="bedroom_speaker"),
                        devices=("bedside_lamp",), slots={"name": "bedside lamp", "brightness": 30}, area="bedroom")
             for d in range(3)]
    assert list(habits.watching(turns)) == turns
    at = NIGHT + 3 * DAY
    assert habits.usual(light_key("ann", "bedroom", at), at) == (("bedside_lamp",), 30)
