"""Feedback: the rephrase detector on labelled pairs, and the defect labels of whole conversations."""

from __future__ import annotations

from agent.feedback.rephrase import WINDOW_S, TurnView, is_rephrase
from agent.feedback.signals import label

FAIL, OK = "unresolved", "success"

# (previous text, its outcome, its intent, seconds between, next text, next intent, is it a rephrase?)
PAIRS = [
    # the same request again, after a failure, in other words or heard differently
    ("turn on the chicken light", FAIL, "HassTurnOn", 2, "turn on the kitchen light", "HassTurnOn", True),
    ("play hunger games", FAIL, "HassMediaSearchAndPlay", 3, "play the hunger games movie",
     "HassMediaSearchAndPlay", True),
    ("turn on the big light", FAIL, "HassTurnOn", 3, "turn on the living room ceiling light", "HassTurnOn", True),
    ("what's the weather in wilkerson", FAIL, "HassGetWeather", 4, "what's the weather in wilkerson california",
     "HassGetWeather", True),
    ("set the heat to seventy", FAIL, "HassClimateSetTemperature", 5, "set the thermostat to seventy degrees",
     "HassClimateSetTemperature", True),
    ("lights of in the kitchen", FAIL, None, 2, "turn off the kitchen lights", "HassTurnOff", True),
    ("switch of the tele", FAIL, "OutOfDomain", 3, "turn off the tv", "HassTurnOff", True),
    ("put the telly on", FAIL, "OutOfDomain", 4, "turn on the tv", "HassTurnOn", True),
    ("start the hoover", FAIL, "HassVacuumStart", 6, "start the vacuum", "HassVacuumStart", True),
    ("make it warmer", FAIL, "OutOfDomain", 5, "turn up the heat", "HassClimateSetTemperature", True),
    ("set a timer for ten", FAIL, "HassStartTimer", 3, "set a timer for ten minutes", "HassStartTimer", True),
    ("dim the lamp", FAIL, "HassLightSet", 8, "dim the floor lamp", "HassLightSet", True),
    ("turn on the kitchen light", FAIL, "HassTurnOn", 2, "turn on the kitchen light", "HassTurnOn", True),
    ("play jazz in the kichen", FAIL, "HassMediaSearchAndPlay", 10, "play jazz in the kitchen",
     "HassMediaSearchAndPlay", True),
    ("what's the temperature", OK, "HassClimateGetTemperature", 4, "what's the temperature in the bedroom",
     "HassClimateGetTemperature", True),
    # a new request: a different thing, or too late, or after a success in unrelated words
    ("turn on the chicken light", FAIL, "HassTurnOn", 29, "what time is it", "HassGetCurrentTime", False),
    ("turn on the kitchen light", OK, "HassTurnOn", 5, "turn on the hallway light", "HassTurnOn", False),
    ("what time is it", OK, "HassGetCurrentTime", 3, "what's the weather", "HassGetWeather", False),
    ("play some jazz", OK, "HassMediaSearchAndPlay", 20, "turn it down", "HassSetVolumeRelative", False),
    ("set a timer for ten minutes", OK, "HassStartTimer", 10, "turn off the oven", "HassTurnOff", False),
    ("lock the front door", OK, "HassLockDoor", 4, "turn off the lights", "HassTurnOff", False),
    ("turn on the disco ball", FAIL, "HassTurnOn", 3, "ok play some music then", "HassMediaSearchAndPlay", False),
    ("turn on the kitchen light", FAIL, "HassTurnOn", 60, "turn on the kitchen light", "HassTurnOn", False),
    ("make me a sandwich", "unsupported", "OutOfDomain", 6, "what's the weather tomorrow", "HassGetWeather", False),
    ("turn off the tv", OK, "HassTurnOff", 8, "turn off the bedroom lamp", "HassTurnOff", False),
    ("is the garage door open", OK, "HassGetState", 3, "close the garage door", "HassTurnOff", False),
    ("pause the music", OK, "HassMediaPause", 30, "resume the music", "HassMediaUnpause", False),
    ("what's on my calendar", "unsupported", "OutOfDomain", 4, "set a timer for five minutes",
     "HassStartTimer", False),
]


def turn(text: str, outcome: str, intent: str | None, at: float, user: str = "ann", device: str = "kitchen",
         barged_in: bool = False) -> TurnView:
    return TurnView(text, at, at + 2.0, outcome, intent, barged_in, user, device)


def test_rephrase_detector_on_labelled_pairs() -> None:
    """At least 90 % right, and never a false rephrase (it would teach a wrong rewrite)."""
    false_rephrases, missed = [], []
    for before, outcome, intent, gap, after, after_intent, expected in PAIRS:
        previous = turn(before, outcome, intent, 0.0)
        found = is_rephrase(previous, turn(after, OK, after_intent, previous.ended_at + gap))
        if found != expected:
            (false_rephrases if found else missed).append((before, after))
    assert not false_rephrases
    assert len(missed) <= 0.1 * len(PAIRS), missed


def test_another_user_or_satellite_never_rephrases() -> None:
    previous = turn("turn on the chicken light", FAIL, "HassTurnOn", 0.0)
    for other in (turn("turn on the kitchen light", OK, "HassTurnOn", 3.0, user="bob"),
                  turn("turn on the kitchen light", OK, "HassTurnOn", 3.0, device="bedroom")):
        assert not is_rephrase(previous, other)
    assert not is_rephrase(previous, turn("turn on the kitchen light", OK, "HassTurnOn", 3.0 + WINDOW_S))


def test_defects_come_from_what_the_user_did_next() -> None:
    turns = [
        turn("turn on the chicken light", FAIL, "HassTurnOn", 0.0),          # rephrased next: defect
        turn("turn on the kitchen light", OK, "HassTurnOn", 4.0),             # worked
        turn("play some jazz", OK, "HassMediaSearchAndPlay", 60.0, barged_in=True),  # interrupted: defect
        turn("turn off the hallway light", OK, "HassTurnOff", 120.0),         # "no" right after: defect
        turn("no", OK, "HassDeny", 124.0),
        turn("make me a sandwich", "unsupported", "OutOfDomain", 300.0),      # fallback, no reaction: no defect
        turn("what time is it", OK, "HassGetCurrentTime", 400.0),
    ]
    found = label(turns)
    assert [f.defect for f in found] == [True, False, True, True, False, False, False]
    assert found[0].signals == ("rephrased", "fallback")
    assert found[2].signals == ("barge_in",) and found[3].signals == ("negative",)
    assert found[5].signals == ("fallback",)
