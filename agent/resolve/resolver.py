"""Entity resolution: an intent's slots tied to this home's devices and values, using context."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from agent.dialogue.state import Topic
from agent.habits import Habits, after_key, light_key
from agent.home import Area, Device, Home
from agent.nlu.assist import DOMAINS, OUR_NAMES
from agent.nlu.intents import OUT_OF_DOMAIN
from agent.resolve.followup import (
    ALSO,
    OTHER,
    UNDOABLE,
    again_there,
    other_one,
    points_back,
    refers_back,
    step,
)
from agent.resolve.match import Match, find_area, find_devices, normalize
from agent.text import degrees, listed, words_of
from agent.turn import Intent, Resolution

MEDIA_TYPES = frozenset({"media_player", "speaker"})
TARGET_TYPES: dict[str, frozenset[str] | None] = {
    "HassTurnOn": None, "HassTurnOff": None, "HassToggle": None, "HassGetState": None,
    "HassLightSet": frozenset({"light"}),
    "HassLockDoor": frozenset({"lock"}), "HassUnlockDoor": frozenset({"lock"}),
    "HassClimateSetTemperature": frozenset({"climate"}),
    "HassOvenSetTemperature": frozenset({"oven"}),
    "HassVacuumStart": frozenset({"vacuum"}), "HassVacuumReturnToBase": frozenset({"vacuum"}),
    "HassSetPosition": frozenset({"cover", "valve"}), "HassFanSetSpeed": frozenset({"fan"}),
    **{name: frozenset({"todo"}) for name in ("HassShoppingListAddItem", "HassShoppingListCompleteItem",
                                              "HassListAddItem", "HassListCompleteItem", "HassListRemoveItem")},
}
SETS_TEMPERATURE = frozenset({"HassClimateSetTemperature", "HassOvenSetTemperature"})
MEDIA_CONTROL = {"HassMediaPause", "HassMediaUnpause", "HassMediaNext", "HassMediaPrevious", "HassSetVolume",
                 "HassSetVolumeRelative", "HassMediaPlayerMute", "HassMediaPlayerUnmute"}
POINTABLE = frozenset({"HassTurnOn", "HassTurnOff", "HassToggle", "HassLightSet", "HassGetState"})
"""Requests that need a device: "turn it off" with nothing talked about is a question back, not a guess."""
ONE_LIGHT = frozenset({"light", "lamp"})
"""A light named by its kind alone: which one is a matter of habit when the room has several."""
THERMOMETERS = frozenset({"oven", "climate", "sensor"})
CHANGE_TIMER = frozenset({"HassIncreaseTimer", "HassDecreaseTimer"})
WHICH_TIMER = frozenset({"HassCancelTimer", "HassTimerStatus", "HassPauseTimer", "HassUnpauseTimer", *CHANGE_TIMER})
"""Requests about a running timer, which may be named by its length ("the 10 minute timer")."""
TIMER_INTENTS = frozenset({"HassStartTimer", "HassCancelAllTimers", *WHICH_TIMER})
PERCENT_WORDS = {"brightness": "Brightness", "volume_level": "Volume", "position": "A position",
                 "percentage": "A fan's speed"}
READ_ONLY = frozenset({"sensor", "binary_sensor", "person"})
"""Devices that are only asked about."""
WHOLE_HOME_QUERIES = frozenset({"any", "all", "which", "how_many"})
"""State questions about every device of a kind ("are any lights on"), in the whole home unless a place is said."""
OUTSIDE_WORDS = {"outside", "outdoors", "out"}
LOCK_BY_DOOR_WORD = {"open": "HassUnlockDoor", "close": "HassLockDoor", "shut": "HassLockDoor"}
"""What a word for moving a door does to its lock."""
INSIDE_WORDS = {"inside", "indoors", "indoor", "indoor temperature", "inside temperature", "temperature inside"}
INSIDE_SAID = re.compile(r"\b(inside|indoors?)\b", re.IGNORECASE)
ALL_SAID = re.compile(r"\b(all|every|everything|everywhere)\b|whole (house|home)")
COVER_SAID = re.compile(r"\b(open|opened|close|closed|raise|lower)\b|\bshut\b(?! (off|down))", re.IGNORECASE)
"""Words that make a request about covers ("open the garage") rather than lights."""


@dataclass(frozen=True)
class ResolveContext:
    """What resolution may consult: the home, where the user is, and device states."""

    home: Home
    area: str | None
    """Area of the speaking device."""
    satellite: Device | None
    states: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    topic: Topic | None = None
    """What the satellite's conversation was last about (follow-ups refer to it)."""
    user: str = ""
    habits: Habits | None = None
    """The users' habits (which light of a room, when a request names none)."""
    now: float = 0.0
    just_happened: str | None = None
    """What just happened in the home (`agent.moments`): habits that follow it settle "which one?"."""


def resolve_best(intent: Intent, ctx: ResolveContext) -> Resolution:
    """Resolve `intent`; when it does not fit this home (out of domain, no such device, a question back), the
    first of the recognizer's alternative parses that does fit, else the original's resolution.

    "set the light in the bedroom to ten per cent" may have been heard where "lights" was said; an alternative
    that names real devices is what the user more likely said (semantic n-best rescoring)."""
    first = resolve(intent, ctx)
    if fits(first):
        return first
    for alternative in intent.alternatives:
        resolution = resolve(alternative, ctx)
        if fits(resolution):
            return resolution
    return first


REQUIRED_VALUE = {"HassStartTimer": "duration_s", "HassClimateSetTemperature": "temperature",
                  "HassOvenSetTemperature": "temperature", "HassSetVolume": "volume_level",
                  "HassSetPosition": "position", "HassFanSetSpeed": "percentage"}
"""The value a request cannot go without: its skill asks for it when it is not said."""


def out_of_range(device: Device, target: float) -> str | None:
    """What to say when `target` is outside the temperatures the device can be set to."""
    low, high = device.min_temp, device.max_temp
    if (low is not None and target < low) or (high is not None and target > high):
        if low is not None and high is not None:
            return f"The {device.name} goes from {degrees(low)} to {degrees(high)} degrees."
        limit = f"at least {degrees(low)}" if low is not None else f"at most {degrees(high or 0)}"
        return f"The {device.name} has to be set to {limit} degrees."
    return None


def fits(resolution: Resolution) -> bool:
    """Whether a resolution is something this home can act on or answer without asking back."""
    required = REQUIRED_VALUE.get(resolution.intent.name)
    return (resolution.intent.name != OUT_OF_DOMAIN and resolution.problem is None
            and resolution.question is None and (required is None or required in resolution.values))


def resolve(intent: Intent, ctx: ResolveContext) -> Resolution:
    """Tie `intent` to devices and values, or explain what is missing."""
    if ctx.topic is not None and (followed := _follow_up(intent, ctx, ctx.topic)) is not None:
        return followed
    if intent.steps:
        steps = tuple(resolve(step, replace(ctx, topic=None)) for step in intent.steps)
        return Resolution(intent, tuple(d for step in steps for d in step.devices), steps=steps)
    if intent.name in (ALSO, OTHER) or (intent.name in POINTABLE and points_back(intent)):
        return Resolution(intent, problem="Sorry, I'm not sure what you're referring to.")
    intent = _unknown_room_as_device(intent, ctx.home)
    if intent.name.startswith("HassShoppingList") and not intent.slots.get("name"):
        intent = replace(intent, slots={**intent.slots, "name": "shopping list"})
    values = _values(intent)
    if isinstance(values, str):
        return Resolution(intent, problem=values)
    area, problem = _explicit_area(intent, ctx)
    if problem:
        return Resolution(intent, values=values, problem=problem)
    if intent.name == "HassClimateGetTemperature":
        return _temperature_source(intent, ctx, area, values)
    if intent.name == "HassVacuumCleanArea":
        if area is None:
            return Resolution(intent, values=values, problem="Which room should I clean?")
        found = _targets(replace(intent, slots={k: v for k, v in intent.slots.items() if k != "area"}), ctx, None,
                         values, frozenset({"vacuum"}))
        return replace(found, values={**found.values, "clean_area": area.id})
    if intent.name == "HassMediaSearchAndPlay":
        return _media_target(intent, ctx, area, values, playing_only=False)
    if intent.name in MEDIA_CONTROL:
        return _media_target(intent, ctx, area, values, playing_only=True)
    if intent.name in TARGET_TYPES:
        found = _targets(intent, ctx, area, values, TARGET_TYPES[intent.name])
        if intent.name == "HassLightSet" and found.devices and not {"brightness", "color", "temperature"} & set(values):
            return step(intent, [ctx.home.device_by_id[d] for d in found.devices], ctx.states) or found
        if intent.name in SETS_TEMPERATURE and found.devices and "temperature" in values and (
                too := out_of_range(ctx.home.device_by_id[found.devices[0]], float(values["temperature"]))):
            return replace(found, problem=too)  # a reading of the recognizer's that the device can take fits better
        return _in_our_names(found, ctx.home)
    return Resolution(intent, values=values)


def _in_our_names(found: Resolution, home: Home) -> Resolution:
    """Home Assistant's general request under our specific name for what it does to these devices (switching
    locks on or off is locking or unlocking them): one request, one intent, however it was said. A door's lock
    follows the door: "open the front door" (Home Assistant's reading: switching it on) unlocks it, and so asks
    first; "shut the front door" locks it."""
    kinds = {home.device_by_id[d].type for d in found.devices}
    kind = kinds.pop() if len(kinds) == 1 else ""
    name = OUR_NAMES.get((found.intent.name, kind))
    if name is not None and kind == "lock":
        name = next((LOCK_BY_DOOR_WORD[w] for w in words_of(found.intent.text) if w in LOCK_BY_DOOR_WORD), name)
    return found if name is None else replace(found, intent=found.intent.recast(name, found.intent.slots))


def _unknown_room_as_device(intent: Intent, home: Home) -> Intent:
    """"turn on the disco ball" with the disco ball taken for a room: no such room and no device named, so it
    is the device that was named."""
    said = str(intent.slots.get("area") or "")
    if (not said or intent.slots.get("name") or intent.name not in TARGET_TYPES
            or normalize(said) in OUTSIDE_WORDS or find_area(home, said)[0] is not None):
        return intent
    slots = {k: v for k, v in intent.slots.items() if k != "area"}
    return replace(intent, slots={**slots, "name": said})


def _follow_up(intent: Intent, ctx: ResolveContext, topic: Topic) -> Resolution | None:
    """A request that refers to the topic, resolved against it (see `followup`); None for any other."""
    home = ctx.home
    chosen = [home.device_by_id[d] for d in topic.devices if d in home.device_by_id]
    if intent.name == ALSO:
        again = resolve(again_there(intent, topic.intent, topic.slots), replace(ctx, topic=None))
        return replace(again, values={**topic.values, **again.values}) if again.devices else again
    if intent.name == OTHER:
        others = other_one(chosen, list(home.devices), ctx.area)
        if not others:
            return Resolution(intent, problem="There isn't another one.")
        if len(others) > 1:
            return Resolution(intent, question=_which_one(home, others, others[0].type, None))
        undo = {"instead_of": list(topic.devices)} if topic.intent in UNDOABLE else {}
        meant = again_there(intent, topic.intent, topic.slots)
        return Resolution(meant, (others[0].id,), {**topic.values, **undo}, scores={others[0].id: 0.7})
    if not chosen or not refers_back(intent):
        return None
    if intent.name in ("HassSetVolumeRelative", "HassLightSet", "HassClimateSetTemperature") and not (
            {"brightness", "color", "temperature"} & set(intent.slots)):
        stepped = step(intent, chosen, ctx.states)
        if stepped is not None:
            return stepped
    allowed = MEDIA_TYPES if intent.name in MEDIA_CONTROL else TARGET_TYPES.get(intent.name, frozenset())
    devices = [d for d in chosen if allowed is None or d.type in allowed]
    values = _values(intent)
    if not devices or isinstance(values, str):
        return None
    return Resolution(intent, tuple(d.id for d in devices), values, scores={d.id: 0.7 for d in devices})


def _values(intent: Intent) -> dict[str, Any] | str:
    """Normalised numeric values, or a spoken problem when one is out of range."""
    slots = intent.slots
    values: dict[str, Any] = {}
    for key in ("brightness", "volume_level", "position", "percentage"):
        if key in slots:
            number = _number(slots[key])
            if number is None or not 0 <= number <= 100:
                return f"{PERCENT_WORDS[key]} goes from 0 to 100 percent."
            values[key] = int(number)
    if "temperature" in slots:
        number = _number(slots["temperature"])
        if number is None:
            return "I didn't catch the temperature."
        values["temperature"] = number
    if intent.name == "HassStartTimer":
        if (total := _seconds(slots)) > 0:  # else the timers skill asks how long
            values["duration_s"] = total
        if slots.get("conversation_command"):
            values["command"] = str(slots["conversation_command"])
    elif intent.name in CHANGE_TIMER:
        values["amount_s"] = _seconds(slots)
        if values["amount_s"] <= 0:
            return "By how much?"
    if intent.name in WHICH_TIMER and (length := _seconds(slots, "start_") or (
            intent.name not in CHANGE_TIMER and _seconds(slots))):
        values["duration_s"] = length  # "the 10 minute timer"
    for key in ("color", "search_query", "media_class", "location", "day", "state", "volume_step", "item",
                "message"):
        if key in slots:
            values[key] = str(slots[key])
    if "name" in slots and intent.name in TIMER_INTENTS:
        values["timer_name"] = str(slots["name"])
    return values


def _seconds(slots: Mapping[str, Any], prefix: str = "") -> int:
    """The duration said in `<prefix>hours`, `<prefix>minutes` and `<prefix>seconds`, in seconds."""
    return int(sum((_number(slots.get(prefix + k)) or 0) * f for k, f in (("hours", 3600), ("minutes", 60),
                                                                         ("seconds", 1))))


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _explicit_area(intent: Intent, ctx: ResolveContext) -> tuple[Area | None, str | None]:
    said = intent.slots.get("area")
    if not said or normalize(str(said)) in OUTSIDE_WORDS:
        return None, None
    area, _ = find_area(ctx.home, str(said))
    if area is None:
        return None, f"I don't know a room called {said}."
    return area, None


def _targets(
    intent: Intent, ctx: ResolveContext, area: Area | None, values: dict[str, Any],
    types: frozenset[str] | None,
) -> Resolution:
    home = ctx.home
    phrase = str(intent.slots.get("name", "")).strip()
    allowed = types if types is not None else frozenset(
        d.type for d in home.devices if d.type not in READ_ONLY or intent.name == "HassGetState")
    if not phrase and (intent.slots.get("floor") or intent.slots.get("query") in WHOLE_HOME_QUERIES):
        return _everything(intent, ctx, area, values, allowed)
    if not phrase:
        pool = [d for d in home.devices if d.type in allowed]
        if types is None:
            pool = [d for d in pool if d.type in _unnamed_types(intent)]
        pool = _of_class(pool, intent.slots.get("device_class"))
        scope = area.id if area else ctx.area
        in_scope = [d for d in pool if d.area == scope]
        if in_scope or area is not None:
            pool = in_scope
        usual = _usual_light(intent, ctx, scope, pool)
        if usual is not None:
            return usual
        if len(pool) == 1 or (pool and types is None):
            return Resolution(intent, tuple(d.id for d in pool), values, scores={d.id: 0.8 for d in pool})
        if not pool:
            return Resolution(intent, values=values, problem=_nothing_there(area, home))
        return Resolution(intent, values=values, question=_which_one(home, pool, "devices", area))
    if normalize(phrase) in ONE_LIGHT:
        scope = area.id if area else ctx.area
        usual = _usual_light(intent, ctx, scope, [d for d in home.devices if d.type == "light" and d.area == scope])
        if usual is not None:
            return usual
    wants_all = bool(ALL_SAID.search(intent.text))
    match = find_devices(home, phrase, area, ctx.area, allowed, wants_all=wants_all)
    if not match.devices and area is None and (room := find_area(home, phrase)[0]) is not None:
        # "open the garage": no device is called that, but a room is
        slots = {**{k: v for k, v in intent.slots.items() if k != "name"}, "area": phrase}
        return _targets(replace(intent, slots=slots), ctx, room, values, types)
    return _from_match(intent, ctx, match, phrase, area, values)


def _usual_light(intent: Intent, ctx: ResolveContext, area: str | None, pool: list[Device]) -> Resolution | None:
    """"turn on the light" in a room of several: the one this user habitually turns on there at this time of
    day, as bright as they usually have it."""
    if intent.name != "HassTurnOn" or len(pool) < 2 or ctx.habits is None:
        return None
    usual = ctx.habits.usual(light_key(ctx.user, area, ctx.now), ctx.now)
    if usual is None or not set(usual[0]) <= {d.id for d in pool}:
        return None
    devices, brightness = usual
    if brightness is None:
        return Resolution(intent, devices, scores={d: 0.8 for d in devices})
    dimmed = intent.recast("HassLightSet", {"brightness": brightness})
    return Resolution(dimmed, devices, {"brightness": brightness}, scores={d: 0.8 for d in devices})


def _usual_after(intent: Intent, ctx: ResolveContext, found: tuple[Device, ...], values: dict[str, Any]
                 ) -> Resolution | None:
    """"start brewing" (the coffee maker or the kettle?) right after the alarm: the one this user habitually
    asks for then."""
    if ctx.habits is None or ctx.just_happened is None:
        return None
    usual = ctx.habits.usual(after_key(ctx.user, ctx.just_happened, intent.name), ctx.now)
    if usual is None or not set(usual) <= {d.id for d in found}:
        return None
    return Resolution(intent, usual, values, scores={d: 0.8 for d in usual})


def _unnamed_types(intent: Intent) -> frozenset[str]:
    """What a request naming no device is about: the kinds of the Home Assistant domain it named ("fans",
    "locks"); else its covers when opening or closing, its locks when asking about locking, else its lights
    ("open the garage", "is the garage closed", "lights on in the garage")."""
    domain = intent.slots.get("domain")
    if domain:
        return frozenset(t for t, d in DOMAINS.items() if d == domain)
    state = intent.slots.get("state")
    if state in ("open", "closed") or (state is None and COVER_SAID.search(intent.text)):
        return frozenset({"cover"})
    if state in ("locked", "unlocked"):
        return frozenset({"lock"})
    return frozenset({"light"})


def _of_class(pool: list[Device], device_class: Any) -> list[Device]:
    """The devices of a Home Assistant device class ("doors", "windows", "garage door"), when one was said; a
    cover of no class is a garage door."""
    if not device_class:
        return pool
    wanted = {str(device_class)} | ({"garage", "gate"} if device_class == "door" else set())
    return [d for d in pool if (d.device_class or ("garage" if d.type == "cover" else "")) in wanted]


def _everything(intent: Intent, ctx: ResolveContext, area: Area | None, values: dict[str, Any],
                allowed: frozenset[str]) -> Resolution:
    """Every device of the kind asked about on a floor, in a room, or in the whole home ("turn off the
    upstairs lights", "how many lights are on", "are any windows open"): all of them, none is fine too."""
    home = ctx.home
    floor = str(intent.slots.get("floor") or "")
    areas: set[str | None] | None = None
    if floor:
        found = next((f for f in home.all_floors if normalize(floor) in (normalize(n) for n in (f.name, *f.aliases))),
                     None)
        if found is None:
            return Resolution(intent, values=values, problem=f"I don't know a floor called {floor}.")
        areas = {a.id for a in home.areas if a.floor == found.id}
    elif area is not None:
        areas = {area.id}
    pool = [d for d in home.devices if d.type in allowed and d.type in _unnamed_types(intent)
            and (areas is None or d.area in areas)]
    pool = _of_class(pool, intent.slots.get("device_class"))
    return Resolution(intent, tuple(d.id for d in pool), {**values, "query": str(intent.slots.get("query", "all"))},
                      scores={d.id: 0.8 for d in pool})


def _from_match(
    intent: Intent, ctx: ResolveContext, match: Match, phrase: str, area: Area | None, values: dict[str, Any]
) -> Resolution:
    home = ctx.home
    found = match.devices
    if not found:
        where = f" in the {area.name}" if area else ""
        named = [d for d in home.devices_called(phrase) if area is None or d.area == area.id]
        problem = f"The {named[0].name} can't do that." if named else f"I don't know a device called {phrase}{where}."
        return Resolution(intent, values=values, problem=problem)
    if len(found) > 1 and not match.plural:
        if (usual := _usual_after(intent, ctx, found, values)) is not None:
            return usual
        areas = {d.area for d in found}
        in_area = home.area_by_id.get(areas.pop() or "") if len(areas) == 1 else area
        return Resolution(intent, values=values, question=_which_one(home, list(found), phrase, in_area))
    scores = {d.id: s for d, s in zip(found, match.scores)}
    return Resolution(intent, tuple(d.id for d in found), values, scores=scores)


def _which_one(home: Home, devices: list[Device], phrase: str, area: Area | None) -> str:
    noun = normalize(phrase).split()[-1] if phrase else "devices"
    noun = "devices" if noun.endswith("ing") else noun if noun.endswith("s") else noun + "s"
    counts = {2: "two", 3: "three", 4: "four", 5: "five"}
    where = f" in the {area.name}" if area else ""
    named = [f"the {d.name}" for d in devices]
    return f"There are {counts.get(len(devices), str(len(devices)))} {noun}{where}: {listed(named)}. Which one?"


def _nothing_there(area: Area | None, home: Home) -> str:
    return f"There's nothing like that in the {area.name}." if area else "Which device do you mean?"


def _temperature_source(
    intent: Intent, ctx: ResolveContext, area: Area | None, values: dict[str, Any]
) -> Resolution:
    """Oven while it is on; otherwise the room's thermometer; otherwise outside."""
    home = ctx.home
    phrase = str(intent.slots.get("name", "")).strip()
    if normalize(str(intent.slots.get("area", ""))) in OUTSIDE_WORDS or normalize(phrase) in OUTSIDE_WORDS:
        return Resolution(intent, values={**values, "source": "outside"})
    inside = normalize(phrase) in INSIDE_WORDS or bool(INSIDE_SAID.search(intent.text))
    if inside:  # "the indoor temperature" is the room's, not a sensor named alike
        phrase = ""
    if phrase:
        match = find_devices(home, phrase, area, ctx.area, THERMOMETERS)
        return _from_match(intent, ctx, match, phrase, area, {**values, "source": "device"})
    if area is None:
        ovens_on = [d for d in home.devices if d.type == "oven" and ctx.states.get(d.id, {}).get("state") == "on"]
        ovens_on.sort(key=lambda d: d.area != ctx.area)
        if ovens_on:
            return Resolution(intent, (ovens_on[0].id,), {**values, "source": "device"},
                              scores={ovens_on[0].id: 0.7})
    room = area.id if area else ctx.area
    thermometers = [d for d in home.devices if d.area == room and d.type in ("climate", "sensor")]
    if thermometers:
        return Resolution(intent, (thermometers[0].id,), {**values, "source": "room"},
                          scores={thermometers[0].id: 0.7})
    if area is not None:
        return Resolution(intent, values=values, problem=f"There's no thermometer in the {area.name}.")
    if inside:  # no thermometer in this room: the home's thermostat
        indoors = [d for d in home.devices if d.type == "climate"]
        if indoors:
            return Resolution(intent, (indoors[0].id,), {**values, "source": "device"}, scores={indoors[0].id: 0.7})
        return Resolution(intent, values=values, problem="There's no thermometer inside.")
    return Resolution(intent, values={**values, "source": "outside"})


def _media_target(
    intent: Intent, ctx: ResolveContext, area: Area | None, values: dict[str, Any], playing_only: bool
) -> Resolution:
    """The named player; else what plays near the user; else the speaking device; else one nearby."""
    home = ctx.home
    phrase = str(intent.slots.get("name", "")).strip()
    if phrase:
        match = find_devices(home, phrase, area, ctx.area, MEDIA_TYPES)
        return _from_match(intent, ctx, match, phrase, area, values)
    players = [d for d in home.devices if d.type in MEDIA_TYPES]
    room = area.id if area else ctx.area

    def playing(d: Device) -> bool:
        return ctx.states.get(d.id, {}).get("state") in ("playing", "paused")

    choices: list[list[Device]] = []
    if playing_only:
        choices.append([d for d in players if d.area == room and playing(d)])
    if area is None and ctx.satellite is not None and ctx.satellite.type in MEDIA_TYPES:
        choices.append([ctx.satellite])
    choices.append([d for d in players if d.area == room])
    if playing_only and area is None:
        choices.append([d for d in players if playing(d)])
    target = next((c[0] for c in choices if c), None)
    if target is None:
        where = f" in the {area.name}" if area else " here"
        return Resolution(intent, values=values, problem=f"There's no speaker or TV{where}.")
    values = {**values, "has_screen": target.has_screen}
    return Resolution(intent, (target.id,), values, scores={target.id: 0.8})
