"""Entity resolution against the demo home: names, aliases, areas, ASR slips, ambiguity, context."""

from pathlib import Path

import pytest

from agent.home import Home, load_home
from agent.resolve import ResolveContext, resolve
from agent.resolve.resolver import resolve_best
from agent.turn import Intent

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "home.yaml"


@pytest.fixture(scope="module")
def home() -> Home:
    return load_home(DEMO)


def at(home: Home, satellite: str, **states: dict) -> ResolveContext:
    device = home.device(satellite)
    return ResolveContext(home, device.area, device, states)


@pytest.mark.parametrize("slots,satellite,expected", [
    ({"name": "kitchen light"}, "tv", ("kitchen_light",)),
    ({"name": "kitchen lite"}, "tv", ("kitchen_light",)),          # ASR slip
    ({"name": "television"}, "kitchen_speaker", ("tv",)),          # alias
    ({"name": "light"}, "kitchen_speaker", ("kitchen_light",)),    # the speaker's own room
    ({"name": "lights", "area": "bedroom"}, "kitchen_speaker", ("reading_lamp", "bedside_lamp")),
    ({"name": "bedroom lights"}, "kitchen_speaker", ("reading_lamp", "bedside_lamp")),
    ({"name": "lights", "area": "master bedroom"}, "tv", ("reading_lamp", "bedside_lamp")),  # area alias
    ({"name": "coffee"}, "tv", ("coffee_maker",)),
])
def test_devices_found(home: Home, slots: dict, satellite: str, expected: tuple) -> None:
    result = resolve(Intent("HassTurnOn", slots), at(home, satellite))
    assert result.devices == expected, (result.question, result.problem)


def test_all_the_lights_means_every_light(home: Home) -> None:
    result = resolve(Intent("HassTurnOff", {"name": "all the lights"}), at(home, "kitchen_speaker"))
    assert set(result.devices) == {d.id for d in home.devices if d.type == "light"}


def test_two_lamps_in_the_bedroom_get_a_question(home: Home) -> None:
    result = resolve(Intent("HassTurnOn", {"name": "lamp"}), at(home, "bedroom_speaker"))
    assert result.devices == ()
    assert result.question == ("There are two lamps in the bedroom: the reading lamp and the bedside lamp. "
                               "Which one?")


def test_a_room_named_as_the_device_means_what_the_request_does_there(home: Home) -> None:
    opened = resolve(Intent("HassTurnOn", {"name": "garage"}, text="open up the garage"), at(home, "tv"))
    assert opened.devices == ("garage_door",)
    asked = resolve(Intent("HassGetState", {"name": "garage", "state": "open"}, text="did I leave the garage open"),
                    at(home, "tv"))
    assert asked.devices == ("garage_door",)
    lit = resolve(Intent("HassTurnOn", {"name": "garage"}, text="turn on the garage"), at(home, "tv"))
    assert lit.devices == ("garage_light",)


def test_switching_a_lock_on_or_off_is_locking_or_unlocking_it(home: Home) -> None:
    # as in Home Assistant; one intent for one action, so a jammed lock is reported whichever words were used
    off = resolve(Intent("HassTurnOff", {"name": "front door"}, text="turn off the front door"), at(home, "tv"))
    assert (off.intent.name, off.devices) == ("HassUnlockDoor", ("front_door",))
    assert resolve(Intent("HassTurnOn", {"name": "front door"}), at(home, "tv")).intent.name == "HassLockDoor"
    assert resolve(Intent("HassTurnOff", {"name": "kitchen light"}), at(home, "tv")).intent.name == "HassTurnOff"


def test_opening_a_locked_door_unlocks_it_and_shutting_it_locks_it(home: Home) -> None:
    # Home Assistant reads "open the ..." as switching it on, which for a lock had locked the front door
    opened = resolve(Intent("HassTurnOn", {"name": "front door"}, text="open the front door"), at(home, "tv"))
    assert (opened.intent.name, opened.devices) == ("HassUnlockDoor", ("front_door",))
    shut = resolve(Intent("HassTurnOff", {"name": "front door"}, text="shut the front door"), at(home, "tv"))
    assert (shut.intent.name, shut.devices) == ("HassLockDoor", ("front_door",))
    garage = resolve(Intent("HassTurnOn", {"name": "garage door"}, text="open the garage door"), at(home, "tv"))
    assert (garage.intent.name, garage.devices) == ("HassTurnOn", ("garage_door",))


def test_the_back_door_is_not_the_front_door(home: Home) -> None:
    # the demo home's only lock is the front door; "back door" names a lock, but not that one
    for intent in ("HassUnlockDoor", "HassLockDoor"):
        result = resolve(Intent(intent, {"name": "back door"}, text="unlock the back door"), at(home, "tv"))
        assert result.devices == () and result.problem == "I don't know a device called back door."
    assert resolve(Intent("HassUnlockDoor", {"name": "door"}), at(home, "tv")).devices == ("front_door",)
    smart = Home.model_validate({"areas": [{"id": "hall", "name": "hall"}], "devices": [
        {"id": "lock", "name": "smart lock", "area": "hall", "type": "lock"}]})
    said = resolve(Intent("HassLockDoor", {"name": "back door"}), ResolveContext(smart, "hall", None))
    assert said.devices == ("lock",)  # a lock whose name says no door


def test_unknown_device_and_room_are_named_back(home: Home) -> None:
    result = resolve(Intent("HassTurnOn", {"name": "disco ball"}), at(home, "tv"))
    assert result.problem == "I don't know a device called disco ball."
    private = resolve(Intent("HassTurnOn", {"name": "big light"}), at(home, "kitchen_speaker"))
    assert private.devices == () and "big light" in (private.problem or "")
    room = resolve(Intent("HassTurnOn", {"name": "lights", "area": "attic"}), at(home, "tv"))
    assert room.problem == "I don't know a room called attic."


def test_temperature_means_the_oven_while_it_is_on(home: Home) -> None:
    ask = Intent("HassClimateGetTemperature", {})
    assert resolve(ask, at(home, "kitchen_speaker", oven={"state": "on"})).devices == ("oven",)
    off = resolve(ask, at(home, "kitchen_speaker", oven={"state": "off"}))
    assert off.devices == () and off.values["source"] == "outside"   # no thermometer in the kitchen
    room = resolve(ask, at(home, "tv", oven={"state": "off"}))
    assert room.devices == ("thermostat",) and room.values["source"] == "room"


def test_media_goes_to_the_speaking_device(home: Home) -> None:
    play = Intent("HassMediaSearchAndPlay", {"search_query": "hunger games"})
    on_tv = resolve(play, at(home, "tv"))
    assert on_tv.devices == ("tv",) and on_tv.values["has_screen"] is True
    on_speaker = resolve(play, at(home, "kitchen_speaker"))
    assert on_speaker.devices == ("kitchen_speaker",) and on_speaker.values["has_screen"] is False


def test_pause_finds_what_is_playing_nearby(home: Home) -> None:
    ctx = at(home, "bedroom_speaker", tv={"state": "playing"}, bedroom_speaker={"state": "idle"})
    assert resolve(Intent("HassMediaPause", {}), ctx).devices == ("bedroom_speaker",)
    ctx = at(home, "tv", tv={"state": "playing"})
    assert resolve(Intent("HassMediaPause", {}), ctx).devices == ("tv",)


@pytest.mark.parametrize("slots,problem", [
    ({"name": "kitchen light", "brightness": 140}, "Brightness goes from 0 to 100 percent."),
    ({"name": "kitchen light", "brightness": "lots"}, "Brightness goes from 0 to 100 percent."),
])
def test_out_of_range_values_are_explained(home: Home, slots: dict, problem: str) -> None:
    assert resolve(Intent("HassLightSet", slots), at(home, "tv")).problem == problem


def test_a_device_asked_for_what_it_cannot_do_is_named_not_unknown(home: Home) -> None:
    paused = resolve(Intent("HassMediaPause", {"name": "ceiling fan"}, text="stop the ceiling fan"), at(home, "tv"))
    assert paused.devices == () and paused.problem == "The ceiling fan can't do that."


def test_timer_duration_in_seconds(home: Home) -> None:
    result = resolve(Intent("HassStartTimer", {"hours": 1, "minutes": 30}), at(home, "tv"))
    assert result.values["duration_s"] == 5400
    said = Intent("HassStartTimer", {"minutes": 5}, hypothesis=1)
    best = resolve_best(Intent("HassStartTimer", {}, alternatives=(said,)), at(home, "tv"))
    assert best.values["duration_s"] == 300  # "set a timer" asks how long: a reading that says it fits better


def test_the_first_alternative_that_fits_the_home_is_taken(home: Home) -> None:
    """A recognizer's second choice that names real devices beats a first that names none or asks back."""
    ctx = at(home, "kitchen_speaker")
    alternatives = (Intent("HassTurnOn", {"name": "lamp"}, hypothesis=1),     # which of four lamps?
                    Intent("HassTurnOn", {"name": "floor lamp"}, hypothesis=2),
                    Intent("HassTurnOn", {"name": "desk lamp"}, hypothesis=3))
    best = resolve_best(Intent("HassTurnOn", {"name": "blue camp"}, alternatives=alternatives), ctx)
    assert best.devices == ("floor_lamp",) and best.intent.hypothesis == 2
    unfit = Intent("HassTurnOn", {"name": "blue camp"}, alternatives=(Intent("OutOfDomain", hypothesis=1),))
    assert resolve_best(unfit, ctx).problem == "I don't know a device called blue camp."


@pytest.mark.parametrize("slots,expected", [
    ({"area": "garage"}, ("garage_door",)),                      # "open the garage": its door, not its light
    ({"name": "light", "area": "bedroom"}, ("reading_lamp", "bedside_lamp")),  # a room's light: all of it
])
def test_what_a_room_request_is_about(home: Home, slots: dict, expected: tuple) -> None:
    text = "open the garage" if slots.get("area") == "garage" else "turn on the light in the bedroom"
    assert resolve(Intent("HassTurnOn", slots, text=text), at(home, "kitchen_speaker")).devices == expected


def test_the_indoor_temperature_is_inside_not_the_outdoor_sensor_named_alike(home: Home) -> None:
    for slots, text in (({"name": "indoor temperature"}, "what is the indoor temperature"),
                        ({}, "how warm is it inside")):
        found = resolve(Intent("HassClimateGetTemperature", slots, 1.0, text), at(home, "kitchen_speaker"))
        assert found.devices == ("thermostat",), (text, found)
    outdoor = resolve(Intent("HassClimateGetTemperature", {"name": "outdoor temperature"}), at(home, "kitchen_speaker"))
    assert outdoor.devices == ("outdoor_temperature",)
