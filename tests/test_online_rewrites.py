"""Online rewrites: the user's own habits first, everyone's second, and never a working request rewritten."""

from __future__ import annotations

from types import SimpleNamespace

from agent.rewrite.online import OnlineRewriter

CALIFORNIA = "what's the weather in wilkerson california"
WASHINGTON = "what's the weather in wilkerson washington"


def ctx(user: str, device: str = "kitchen_speaker") -> SimpleNamespace:
    """The parts of a turn context the rewriter reads (who speaks, to which satellite)."""
    return SimpleNamespace(user=user, trace=SimpleNamespace(device=device))


def town() -> OnlineRewriter:
    rewriter = OnlineRewriter()
    for _ in range(4):
        rewriter.observe("ann", "kitchen_speaker", CALIFORNIA)
    for user in ("bob", "cat", "dan", "eve"):
        for _ in range(3):
            rewriter.observe(user, "kitchen_speaker", WASHINGTON)
    for _ in range(5):
        rewriter.observe("ann", "kitchen_speaker", "turn on the kitchen light")
    for _ in range(20):
        rewriter.observe("bob", "kitchen_speaker", "play jazz in the kitchen")
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
        rewriter.observe("ann", "kitchen_speaker", "turn on the big light")
    rewriter.forget("ann", "kitchen_speaker", "turn on the big light")
    assert rewriter.rewrite("turn on the big lights", ctx("ann")) is None  # two uses are not a habit yet
