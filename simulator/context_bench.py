"""The context benchmark: ambiguous requests in generated homes and states, resolved with and without context.

Every case is a request a person would understand only with the context around it: what is switched on
(the oven), what the speaking device is (a screen or not) and where it stands (the room), what was just
talked about (follow-ups), and the speaker's habits at this time of day. Each case carries the answer a
person would expect, written by the generator from the home it built, never by running the agent. Every run
uses the agent's own NLU and entity resolution, with all of the context, with none of it (only the home and
the words), and with only the speaking device's room and kind (what Home Assistant Assist uses: no device
states, no conversation, no habits).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from agent.dialogue.state import TOPIC_TTL_S, Dialogue, Topic
from agent.habits import Habits
from agent.home import Area, Device, Home, User
from agent.nlu.model import NluModel
from agent.resolve.resolver import ResolveContext, fits, resolve_best
from agent.turn import Resolution
from skills.media import choose, search

DAY = 86_400.0
NIGHT = 23 * 3600 + 600
"""23:10, seconds into a (UTC) day: the virtual clock's local time in the benchmark."""
MORNING = 8 * 3600
ROOMS = ("kitchen", "living room", "bedroom", "office", "den", "guest room", "kids room", "dining room",
         "basement", "study")
LAMPS = ("floor lamp", "reading lamp", "bedside lamp", "desk lamp", "corner lamp", "table lamp", "pendant light",
         "wall light", "night light", "ceiling light")
TITLES = {
    "the hunger games": ("movie", "audiobook"), "harry potter": ("movie", "audiobook"),
    "the lord of the rings": ("movie", "audiobook"), "star wars": ("movie", "soundtrack"),
    "frozen": ("movie", "soundtrack"),
}
"""Titles that are a movie and something to listen to: (on a screen, on a speaker)."""
ROOM_REQUESTS = (("turn on the light", None), ("lights on", None), ("turn off the lights", None),
                 ("switch off the light", None), ("set the lights to 40 percent", 40),
                 ("dim the lights to 20 percent", 20))
TEMPERATURE_QUESTIONS = ("what's the temperature", "what is the temperature", "tell me the temperature",
                         "what's the temperature now")
PLAY = ("play {}", "put on {}", "can you play {}")


@dataclass(frozen=True)
class Expected:
    """The answer a person expects: these devices, and one detail of what happens to them."""

    devices: frozenset[str]
    detail: tuple[str, Any] | None = None
    """("brightness", 30), ("temperature", 375) or ("media_class", "movie"); None when only devices matter."""


@dataclass(frozen=True)
class Case:
    kind: str
    home: Home
    say: str
    satellite: str
    """The device spoken to."""
    expected: Expected
    at: float
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    before: str | None = None
    """The request before, on the same satellite (what a follow-up refers to)..."""
    before_s: float = 10.0
    """... this many seconds earlier."""
    states_after_before: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Device states once that request was carried out."""
    history: tuple[tuple[str, float], ...] = ()
    """Earlier requests of the same user on the same satellite, with when: what habits are learned from."""
    user: str = "sam"


@dataclass(frozen=True)
class ContextFigures:
    cases: int
    homes: int
    accuracy_with_context: float
    accuracy_without_context: float
    accuracy_speaking_device_only: float
    gain: float
    """With context, less without."""
    by_kind: dict[str, str]
    """Per kind: "right with / without / with the speaking device only / cases"."""


def _slug(name: str) -> str:
    return re.sub(r"\W+", "_", name.lower()).strip("_")


def generate_home(rng: random.Random, number: int) -> Home:
    """A home of 3 to 6 rooms (always a kitchen, a living room and a bedroom), each with lights, a speaker or
    a TV, maybe a thermometer; an oven in the kitchen and a thermostat in the living room."""
    rooms = ["kitchen", "living room", "bedroom", *rng.sample(ROOMS[3:], rng.randint(0, 3))]
    lamps = iter(rng.sample(LAMPS, len(LAMPS)))
    areas = [Area(id=_slug(room), name=room) for room in rooms]
    devices: list[Device] = []

    def add(name: str, area: str, kind: str, **extra: Any) -> None:
        devices.append(Device(id=_slug(name), name=name, area=area, type=kind, **extra))

    for room, area in zip(rooms, areas):
        lights = rng.randint(2, 3) if room == "bedroom" else rng.randint(1, 3)
        add(f"{room} light", area.id, "light")
        for _ in range(lights - 1):
            add(f"{room} {next(lamps)}" if rng.random() < 0.3 else next(lamps), area.id, "light")
        if rng.random() < 0.4:
            add(f"{room} tv", area.id, "media_player", has_screen=True, satellite=True)
        else:
            add(f"{room} speaker", area.id, "speaker", satellite=True)
        if room not in ("kitchen", "living room") and rng.random() < 0.5:
            add(f"{room} thermometer", area.id, "sensor")
    add("oven", "kitchen", "oven", min_temp=100, max_temp=500)
    add("thermostat", "living_room", "climate", min_temp=50, max_temp=85)
    return Home(name=f"generated home {number}", areas=areas, devices=devices, users=[User(id="sam", name="Sam")])


def generate_cases(homes: int = 25, seed: int = 0) -> list[Case]:
    """Eleven cases per home, of six kinds."""
    rng = random.Random(seed)
    cases: list[Case] = []
    for number in range(homes):
        home = generate_home(rng, number)
        day = (number + 30) * DAY
        for make in (_temperature, _temperature, _screen, _screen, _room, _room, _follow_up, _follow_up,
                     _follow_up, _habit, _stale):
            if (case := make(rng, home, day)) is not None:
                cases.append(case)
    return cases


def _satellite(home: Home, area: str) -> Device:
    return next(d for d in home.devices if d.area == area and d.satellite)


def _lights(home: Home, area: str) -> list[Device]:
    return [d for d in home.devices if d.area == area and d.type == "light"]


def _temperature(rng: random.Random, home: Home, day: float) -> Case | None:
    """The oven's temperature while it is on (asked in the kitchen), else the room's thermometer."""
    say = rng.choice(TEMPERATURE_QUESTIONS)
    if rng.random() < 0.5:
        states = {"oven": {"state": "on", "current_temperature": 340, "target_temperature": 350}}
        return Case("device state", home, say, _satellite(home, "kitchen").id, Expected(frozenset({"oven"})),
                    day + MORNING, states)
    rooms = [d for d in home.devices if d.type in ("sensor", "climate")]
    thermometer = rng.choice(rooms)
    states = {"oven": {"state": "off", "current_temperature": 70}}
    return Case("device state", home, say, _satellite(home, thermometer.area).id,
                Expected(frozenset({thermometer.id})), day + MORNING, states)


def _screen(rng: random.Random, home: Home, day: float) -> Case:
    """A title that is both a movie and a book or soundtrack: the movie on a screen, else the one to hear."""
    title, (seen, heard) = rng.choice(sorted(TITLES.items()))
    satellite = rng.choice([d for d in home.devices if d.satellite])
    wanted = seen if satellite.has_screen else heard
    return Case("device type", home, rng.choice(PLAY).format(title), satellite.id,
                Expected(frozenset({satellite.id}), ("media_class", wanted)), day + MORNING)


def _room(rng: random.Random, home: Home, day: float) -> Case:
    """"turn on the light" and the like: the lights of the room the speaking device is in."""
    area = rng.choice(home.areas)
    say, brightness = rng.choice(ROOM_REQUESTS)
    return Case("room", home, say, _satellite(home, area.id).id,
                Expected(frozenset(d.id for d in _lights(home, area.id)),
                         ("brightness", brightness) if brightness else None), day + MORNING)


def _follow_up(rng: random.Random, home: Home, day: float) -> Case:
    """A request, then one about the same device(s) without naming them."""
    area = rng.choice(home.areas)
    satellite = _satellite(home, area.id)
    kind = rng.choice(("it", "brighter", "set it", "oven", "too"))
    lamp = rng.choice(_lights(home, area.id))
    at = day + MORNING
    if kind == "it":
        return Case("follow-up", home, rng.choice(("turn it off", "switch it off", "turn that off")), satellite.id,
                    Expected(frozenset({lamp.id})), at, before=f"turn on the {lamp.name}",
                    states_after_before={lamp.id: {"state": "on", "brightness": 100}})
    if kind == "brighter":
        level = rng.choice((20, 40, 50))
        return Case("follow-up", home, rng.choice(("make it brighter", "brighter", "turn it up a bit")),
                    satellite.id, Expected(frozenset({lamp.id}), ("brightness", level + 25)), at,
                    before=f"set the {lamp.name} to {level} percent",
                    states_after_before={lamp.id: {"state": "on", "brightness": level}})
    if kind == "set it":
        level = rng.choice((10, 30, 60, 80))
        return Case("follow-up", home, f"set it to {level} percent", satellite.id,
                    Expected(frozenset({lamp.id}), ("brightness", level)), at, before=f"turn on the {lamp.name}",
                    states_after_before={lamp.id: {"state": "on", "brightness": 100}})
    if kind == "oven":
        target = rng.choice((325, 350, 400))
        return Case("follow-up", home, rng.choice(("turn it up", "make it hotter", "turn it down")),
                    _satellite(home, "kitchen").id, Expected(frozenset({"oven"}), ("temperature", None)), at,
                    before=f"preheat the oven to {target}",
                    states_after_before={"oven": {"state": "on", "target_temperature": target}})
    other = rng.choice([a for a in home.areas if a.id != area.id])
    return Case("follow-up", home, rng.choice(("and the {} too", "the {} as well", "also the {}")).format(other.name),
                satellite.id, Expected(frozenset(d.id for d in _lights(home, other.id))), at,
                before=f"turn on the lights in the {area.name}")


def _stale(rng: random.Random, home: Home, day: float) -> Case:
    """"turn it off" five minutes after the last request: "it" has expired, so the agent should ask."""
    area = rng.choice(home.areas)
    lamp = rng.choice(_lights(home, area.id))
    return Case("expired follow-up", home, rng.choice(("turn it off", "switch it off")), _satellite(home, area.id).id,
                Expected(frozenset()), day + MORNING, before=f"turn on the {lamp.name}", before_s=300.0,
                states_after_before={lamp.id: {"state": "on", "brightness": 100}})


def _habit(rng: random.Random, home: Home, day: float) -> Case:
    """Three nights running, the user set one bedroom lamp dim; on the fourth, "turn on the light"."""
    lamp = rng.choice(_lights(home, "bedroom"))
    level = rng.choice((10, 20, 30))
    history = tuple((f"set the {lamp.name} to {level} percent", day - n * DAY + NIGHT) for n in (3, 2, 1))
    return Case("habit and time of day", home, rng.choice(("turn on the light", "light on please")),
                _satellite(home, "bedroom").id, Expected(frozenset({lamp.id}), ("brightness", level)),
                day + NIGHT, history=history)


def answer(resolution: Resolution, expected: Expected) -> Expected:
    """What the agent would do, in the terms of `expected`."""
    if not fits(resolution) or not resolution.devices:
        return Expected(frozenset())
    detail = None
    if expected.detail is not None:
        key = expected.detail[0]
        if key == "media_class":
            items, wanted = search(str(resolution.intent.slots.get("search_query", "")))
            item = choose(items, wanted, bool(resolution.values.get("has_screen")))
            detail = (key, item.media_class if item else None)
        else:
            value = resolution.values.get(key)
            detail = (key, int(value) if isinstance(value, (int, float)) else None)
    return Expected(frozenset(resolution.devices), detail)


def right(case: Case, got: Expected) -> bool:
    if got.devices != case.expected.devices:
        return False
    if case.expected.detail is None or not got.devices:
        return True
    key, _ = case.expected.detail
    if key == "temperature":  # up or down a step from where it was set
        before = case.states_after_before["oven"]["target_temperature"]
        down = "down" in case.say
        return got.detail is not None and got.detail[1] is not None and (got.detail[1] < before) == down \
            and got.detail[1] != before
    return got.detail == case.expected.detail


LEVELS = ("all", "none", "speaking device")


def run_case(nlu: NluModel, case: Case, level: str) -> bool:
    """Resolve the case's request with `level` of its context (one of LEVELS); whether the answer is the
    expected one."""
    home = case.home
    satellite = home.device_by_id[case.satellite]
    habits = Habits(home) if level == "all" else None

    def where(at: float, states: dict[str, dict[str, Any]], topic: Topic | None) -> ResolveContext:
        if level == "none":
            return ResolveContext(home, None, None, {}, None, "", None, at)
        if level == "speaking device":
            return ResolveContext(home, satellite.area, satellite, {}, None, "", None, at)
        return ResolveContext(home, satellite.area, satellite, states, topic, case.user, habits, at)

    for said, at in case.history:
        done = resolve_best(nlu.parse(said), where(at, {}, None))
        if habits is not None and fits(done):
            habits.observe(case.user, satellite.area, done.intent.name, done.intent.slots, done.devices, at)
    dialogue = Dialogue()
    if case.before is not None:
        then = case.at - case.before_s
        first = resolve_best(nlu.parse(case.before), where(then, case.states, None))
        if fits(first) and first.devices:
            dialogue.topic = Topic(first.intent.name, first.devices, dict(first.intent.slots), dict(first.values),
                                   expires_at=then + TOPIC_TTL_S)
    dialogue.begin(case.at)
    states = {**case.states, **case.states_after_before}
    said = resolve_best(nlu.parse(case.say), where(case.at, states, dialogue.topic))
    return right(case, answer(said, case.expected))


def run(homes: int = 25, seed: int = 0, nlu: NluModel | None = None) -> ContextFigures:
    """Score every generated case at each level of context."""
    model = nlu or NluModel.load()
    cases = generate_cases(homes, seed)
    totals: Counter[str] = Counter()
    scores = {level: Counter[str]() for level in LEVELS}
    current: Home | None = None
    for case in cases:
        if case.home is not current:
            model.use_home(case.home)
            current = case.home
        totals[case.kind] += 1
        for level in LEVELS:
            scores[level][case.kind] += run_case(model, case, level)
    share = {level: round(sum(scores[level].values()) / len(cases), 3) for level in LEVELS}
    return ContextFigures(
        len(cases), homes, share["all"], share["none"], share["speaking device"],
        round(share["all"] - share["none"], 3),
        {kind: " / ".join(str(scores[level][kind]) for level in LEVELS) + f" / {totals[kind]}" for kind in totals})


def as_dict(figures: ContextFigures) -> dict[str, Any]:
    """The figures flat, one row per kind of case."""
    flat: dict[str, Any] = {k: v for k, v in asdict(figures).items() if k != "by_kind"}
    for kind, counts in figures.by_kind.items():
        flat[f"{kind} (all / none / speaking device / cases)"] = counts
    return flat
