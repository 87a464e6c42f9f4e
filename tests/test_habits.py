"""Habits: learned per user from turns that named their choice, with decay, and never from themselves."""

from __future__ import annotations

import time
from pathlib import Path

from agent.feedback.rephrase import TurnView
from agent.habits import HALF_LIFE_DAYS, Habits, light_key, play_key
from agent.home import load_home
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


def test_what_a_user_does_right_after_the_alarm_settles_which_one_then_and_only_then() -> None:
    from agent.moments import ALARM
    from agent.resolve import ResolveContext, resolve
    from agent.turn import Intent

    habits = Habits(HOME)
    morning = NIGHT + 7.5 * 3600
    for day in range(3):
        habits.observe("ann", "kitchen", "HassTurnOn", {"name": "coffee maker"}, ["coffee_maker"],
                       morning + day * DAY, ALARM)
        habits.observe("bob", "kitchen", "HassTurnOn", {"name": "kettle"}, ["kettle"], morning + day * DAY, ALARM)
        habits.observe("cy", "kitchen", "HassTurnOn", {"name": "kettle"}, ["kettle"], morning + day * DAY)
    brew = Intent("HassTurnOn", {"name": "brewing"}, 1.0, "start brewing")
    speaker = HOME.device("kitchen_speaker")
    at = morning + 3 * DAY

    def heard(user: str, moment: str | None) -> tuple[str, ...] | str | None:
        done = resolve(brew, ResolveContext(HOME, "kitchen", speaker, {}, None, user, habits, at, moment))
        return done.devices or done.question

    assert heard("ann", ALARM) == ("coffee_maker",) and heard("bob", ALARM) == ("kettle",)
    assert "coffee maker and the kettle" in heard("ann", None)  # not right after the alarm: which one?
    assert "coffee maker and the kettle" in heard("cy", ALARM)  # cy's kettle was never right after the alarm


def test_right_after_the_alarm_lasts_half_an_hour() -> None:
    from agent.moments import AFTER_ALARM_S, ALARM, just_happened

    rang = {"alarm_clock": {"state": "idle", "rang_at": NIGHT}}
    assert just_happened(HOME, lambda d: rang.get(d, {}), NIGHT + 60) == ALARM
    assert just_happened(HOME, lambda d: rang.get(d, {}), NIGHT + AFTER_ALARM_S + 1) is None
    assert just_happened(HOME, lambda d: {}, NIGHT) is None


def test_the_moment_of_a_turn_is_logged_and_read_back(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, insert

    from agent.log.migrate import migrate
    from agent.log.reader import read_turns
    from agent.log.schema import Turn, turn_row
    from agent.trace import TurnTrace

    url = f"sqlite:///{tmp_path / 'log.db'}"
    migrate(url)
    trace = TurnTrace("ann", "kitchen_speaker", "kitchen", NIGHT, text="turn on the coffee maker",
                      intent="HassTurnOn", slots={"name": "coffee maker"}, devices=["coffee_maker"],
                      outcome="success", just_happened="alarm")
    row = turn_row(trace.to_dict())
    row["transcript"] = trace.text
    engine = create_engine(url)
    with engine.begin() as db:
        db.execute(insert(Turn), [row])
    engine.dispose()
    [turn] = list(read_turns(url, context=True))
    assert turn.just_happened == "alarm" and turn.devices == ("coffee_maker",)
