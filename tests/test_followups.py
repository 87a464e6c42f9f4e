"""Follow-ups: "it", "too" and "the other one" resolve against what was just talked about, and only for a while."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.dialogue.state import TOPIC_TTL_S, TOPIC_TURNS, Dialogue, Topic
from agent.home import Home, load_home
from agent.resolve import ResolveContext, resolve
from agent.trace import TurnTrace
from agent.turn import Intent

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "home.yaml"


@pytest.fixture(scope="module")
def home() -> Home:
    return load_home(DEMO)


def about(home: Home, satellite: str, topic: Topic | None, **states: dict) -> ResolveContext:
    device = home.device(satellite)
    return ResolveContext(home, device.area, device, states, topic)


def oven_topic() -> Topic:
    return Topic("HassOvenSetTemperature", ("oven",), {"temperature": "350"}, {"temperature": 350.0}, 3, 1e12)


def test_turn_it_up_means_hotter_for_the_oven_and_louder_for_the_volume(home: Home) -> None:
    ctx = about(home, "kitchen_speaker", oven_topic(), oven={"state": "on", "target_temperature": 350})
    hotter = resolve(Intent("HassSetVolumeRelative", {"volume_step": "up"}, 1.0, "turn it up"), ctx)
    assert (hotter.intent.name, hotter.devices, hotter.values) == ("HassOvenSetTemperature", ("oven",),
                                                                   {"temperature": 375})
    louder = resolve(Intent("HassSetVolumeRelative", {"volume_step": "up"}, 1.0, "turn up the volume"), ctx)
    assert louder.intent.name == "HassSetVolumeRelative" and louder.devices == ("kitchen_speaker",)


def test_and_the_kitchen_too_repeats_the_request_there_with_its_setting(home: Home) -> None:
    dimmed = Topic("HassLightSet", ("bedside_lamp",), {}, {"brightness": 40}, 3, 1e12)
    also = resolve(Intent("FollowUpAlso", {"area": "kitchen"}, 1.0, "and the kitchen too"),
                   about(home, "bedroom_speaker", dimmed))
    assert (also.intent.name, also.devices, also.values["brightness"]) == ("HassLightSet", ("kitchen_light",), 40)


def test_the_other_one_is_the_same_kind_nearby_and_undoes_the_wrong_one(home: Home) -> None:
    wrong = Topic("HassTurnOn", ("reading_lamp",), {"name": "lamp"}, {}, 3, 1e12)
    other = resolve(Intent("FollowUpOther", {}, 1.0, "no the other one"), about(home, "bedroom_speaker", wrong))
    assert (other.intent.name, other.devices, other.values["instead_of"]) == ("HassTurnOn", ("bedside_lamp",),
                                                                              ["reading_lamp"])
    many = Topic("HassTurnOn", ("hallway_light",), {}, {}, 3, 1e12)  # many other lights, none in the hallway
    asked = resolve(Intent("FollowUpOther", {}, 1.0, "the other one"), about(home, "tv", many))
    assert asked.question and not asked.devices


def test_without_a_topic_it_is_a_question_back_never_a_guess(home: Home) -> None:
    blind = resolve(Intent("HassTurnOff", {}, 1.0, "turn it off"), about(home, "kitchen_speaker", None))
    assert not blind.devices and "not sure what you're referring to" in blind.problem
    also = resolve(Intent("FollowUpAlso", {"area": "kitchen"}, 1.0, "and the kitchen too"),
                   about(home, "kitchen_speaker", None))
    assert not also.devices and also.problem
    dark = resolve(Intent("HassTurnOn", {}, 1.0, "it's dark in here"), about(home, "kitchen_speaker", None))
    assert dark.devices == ("kitchen_light",)  # "it's" points at nothing


def test_the_topic_is_forgotten_after_a_few_turns_or_a_couple_of_minutes() -> None:
    dialogue = Dialogue()
    acted = TurnTrace("ann", "kitchen_speaker", "kitchen", 0.0, intent="HassTurnOn", outcome="success",
                      devices=["kitchen_light"])
    dialogue.begin(0.0)
    dialogue.end(acted, None, 0.0)
    assert dialogue.topic is not None and dialogue.topic.devices == ("kitchen_light",)
    for turn in range(TOPIC_TURNS):
        dialogue.begin(1.0 + turn)
        assert dialogue.topic is not None
        dialogue.end(TurnTrace("ann", "kitchen_speaker", "kitchen", 1.0 + turn, intent="HassGetCurrentTime",
                               outcome="success"), None, 1.0 + turn)
    dialogue.begin(10.0)
    assert dialogue.topic is None
    dialogue.end(acted, None, 20.0)
    dialogue.begin(20.0 + TOPIC_TTL_S + 1)
    assert dialogue.topic is None


def test_a_bare_brighter_is_about_the_light_just_set_else_a_question(home: Home, nlu) -> None:
    bare = nlu.parse("a bit brighter")
    assert (bare.name, bare.slots) == ("HassLightSet", {})
    lamp = Topic("HassLightSet", ("reading_lamp",), {"name": "reading lamp"}, {"brightness": 40}, 3, 1e12)
    after = resolve(bare, about(home, "bedroom_speaker", lamp, reading_lamp={"state": "on", "brightness": 40}))
    assert (after.devices, after.values) == (("reading_lamp",), {"brightness": 65})
    alone = resolve(bare, about(home, "bedroom_speaker", None, reading_lamp={"state": "on", "brightness": 40},
                                bedside_lamp={"state": "on", "brightness": 40}))
    assert not alone.devices and "reading lamp and the bedside lamp" in alone.question
