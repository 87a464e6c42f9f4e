"""Online rewrites: the user's own habits first, everyone's second, and never a working request rewritten."""

from __future__ import annotations

import time
from pathlib import Path

from agent.context import TurnContext
from agent.dialogue.state import Dialogue
from agent.home import load_home
from agent.rewrite.online import OnlineRewriter
from agent.states import DeviceStates
from agent.trace import TurnTrace

MORNING = time.mktime((2026, 3, 2, 8, 0, 0, 0, 0, -1))
EVENING = time.mktime((2026, 3, 2, 20, 0, 0, 0, 0, -1))
CALIFORNIA = "what's the weather in wilkerson california"
WASHINGTON = "what's the weather in wilkerson washington"
HOME = load_home(Path(__file__).parents[1] / "scenarios" / "home.yaml")


def ctx(user: str, device: str = "kitchen_speaker", at: float = MORNING,
        states: DeviceStates | None = None) -> TurnContext:
    """A turn's context: who speaks, to which satellite, when, in which home."""
    satellite = HOME.device(device)
    return TurnContext(HOME, user, satellite, satellite.area if satellite else None, states or DeviceStates(),
                       Dialogue(), TurnTrace(user, device, None, at))


def town() -> OnlineRewriter:
    rewriter = OnlineRewriter()
    for _ in range(4):
        rewriter.observe("ann", "kitchen_speaker", CALIFORNIA, MORNING)
    for user in ("bob", "cat", "dan", "eve"):
        for _ in range(3):
            rewriter.observe(user, "kitchen_speaker", WASHINGTON, MORNING)
    for _ in range(5):
        rewriter.observe("ann", "kitchen_speaker", "turn on the kitchen light", MORNING)
    for _ in range(20):
        rewriter.observe("bob", "kitchen_speaker", "play jazz in the kitchen", MORNING)
    return rewriter


def test_the_users_own_habit_wins_over_what_most_people_mean() -> None:
    rewriter = town()
    mine = rewriter.rewrite("what's the weather in Wilkerson", ctx("ann"))
    assert (mine.text, mine.rule) == (CALIFORNIA, "online:personal")
    theirs = rewriter.rewrite("what's the weather in Wilkerson", ctx("fred"))
    assert (theirs.text, theirs.rule) == (WASHINGTON, "online:global")


def test_a_misheard_name_becomes_the_habit_it_sounds_like() -> None:
    found = town().rewrite("turn on the chicken light", ctx("ann"))
    assert found.text == "turn on the kitchen light"


def test_working_requests_and_other_peoples_private_habits_are_left_alone() -> None:
    rewriter = town()
    assert rewriter.rewrite("turn on the kitchen light", ctx("ann")) is None  # works as said
    assert rewriter.rewrite("play jazz", ctx("fred")) is None  # one user's habit, however often
    assert rewriter.rewrite("what's the weather in boston", ctx("ann")) is None  # nothing like it
    assert rewriter.rewrite("what's the weather in wilkerson", ctx("ann", device="bedroom_speaker")).rule == (
        "online:global")  # ann's habit belongs to the kitchen; elsewhere the global layer decides


def test_a_rejected_request_is_forgotten() -> None:
    rewriter = OnlineRewriter()
    for _ in range(3):
        rewriter.observe("ann", "kitchen_speaker", "turn on the big light", MORNING)
    rewriter.forget("ann", "kitchen_speaker", "turn on the big light", MORNING)
    assert rewriter.rewrite("turn on the big lights", ctx("ann")) is None  # two uses are not a habit yet


def test_the_time_of_day_decides_between_two_habits() -> None:
    rewriter = OnlineRewriter()
    for _ in range(4):
        rewriter.observe("ann", "hall_speaker", "turn on the light in the kitchen", MORNING)
        rewriter.observe("ann", "hall_speaker", "turn on the light in the bedroom", EVENING)
    assert rewriter.rewrite("turn on the light", ctx("ann", "hall_speaker", MORNING)).text == (
        "turn on the light in the kitchen")
    assert rewriter.rewrite("turn on the light", ctx("ann", "hall_speaker", EVENING)).text == (
        "turn on the light in the bedroom")


def test_a_request_is_never_turned_into_its_opposite() -> None:
    """A user who has only ever switched the lamp off asks to switch it on: that is not a mishearing."""
    rewriter = OnlineRewriter()
    for _ in range(5):
        rewriter.observe("ann", "kitchen_speaker", "turn off the floor lamp", MORNING)
    assert rewriter.rewrite("turn on the floor lamp", ctx("ann")) is None
    assert rewriter.rewrite("turn off the flour lamp", ctx("ann")).text == "turn off the floor lamp"


async def test_device_states_rule_out_a_habit_that_would_change_nothing() -> None:
    """ann says just "kitchen light": her habit that would switch it is meant, the one that would not, is not."""
    rewriter = OnlineRewriter()
    for _ in range(4):
        rewriter.observe("ann", "kitchen_speaker", "turn on the kitchen light", MORNING, ("HassTurnOn", ("kitchen_light",)))
        rewriter.observe("ann", "kitchen_speaker", "turn off the kitchen light", MORNING, ("HassTurnOff", ("kitchen_light",)))
    states = DeviceStates()
    here = ctx("ann", states=states)
    states.update("kitchen_light", {"state": "off"}, MORNING)
    assert rewriter.rewrite("kitchen light", here).text == "turn on the kitchen light"
    states.update("kitchen_light", {"state": "on", "brightness": 80}, MORNING)
    assert rewriter.rewrite("kitchen light", here).text == "turn off the kitchen light"
    assert rewriter.rewrite("kitchen lights", ctx("ann")) is None  # no state known: neither habit dominates
