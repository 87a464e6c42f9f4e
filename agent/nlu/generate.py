"""Deterministic generation of training examples from templates, generic vocabulary and a home, plus examples
sampled from the sentences in Home Assistant's format (`agent.nlu.sample`)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from hassil.expression import (
    Alternative,
    Group,
    ListReference,
    RuleReference,
    Sentence,
    TextChunk,
)

from agent.home import Home
from agent.kinds import COMPOSITE_KINDS, KIND_OF_TYPE
from agent.nlu import vocab
from agent.nlu.assist import home_assistant_intents
from agent.nlu.sample import Piece, Span, sampled_examples
from agent.nlu.templates import rules, template_slot, templates
from agent.text import NumberStyle, say_number

HOME_SHARE = 0.3
"""How often a slot is filled from the home's own names, when a home is given."""
PLACEHOLDER_SHARE = 0.2
"""How often a device name is replaced by its kind's placeholder, as the home's names are when parsing."""
SENTENCE_SHARE = 0.5
"""Examples sampled from each intent's sentences in Home Assistant's format (its own and ours), per template
example of an intent."""
APOSTROPHE_DROP = 0.15
"""How often an example is written without apostrophes, as recognizers often do."""
WEIGHTS: dict[str, float] = {
    "HassTurnOn": 1.6, "HassTurnOff": 1.4, "HassLightSet": 1.5, "HassMediaSearchAndPlay": 1.6,
    "HassGetState": 1.3, "HassStartTimer": 1.3, "HassGetWeather": 1.3, "HassClimateSetTemperature": 1.2,
    "OutOfDomain": 1.5, "HassConfirm": 0.6, "HassDeny": 0.6, "HassNevermind": 0.7,
    "HassGetCurrentTime": 0.5, "HassGetCurrentDate": 0.5, "HassMediaPause": 0.8, "HassMediaUnpause": 0.8,
    "HassMediaNext": 0.7, "HassVolumeUp": 0.8, "HassVolumeDown": 0.8,
    "FollowUpAlso": 0.5, "FollowUpOther": 0.4,
}
"""How many template examples an intent gets relative to the others (richer phrasing, more examples)."""
Filler = Callable[[str, str, random.Random], list[Piece]]
"""Fills a slot (label, kind) with pieces of text."""


@dataclass(frozen=True)
class Example:
    """One training utterance."""

    text: str
    intent: str
    spans: tuple[Span, ...] = ()
    """Slot spans over `text`."""


@dataclass(frozen=True)
class Vocabulary:
    """Names available to fill device and area slots."""

    devices: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(vocab.DEVICES))
    """Device names by kind."""
    areas: tuple[str, ...] = vocab.AREAS
    """Area names."""
    home_devices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The home's own device names and aliases by kind."""
    home_areas: tuple[str, ...] = ()
    """The home's own area names and aliases."""


def home_vocabulary(home: Home | None) -> Vocabulary:
    """Generic vocabulary, plus the names and aliases of `home` when given."""
    if home is None:
        return Vocabulary()
    devices: dict[str, list[str]] = {}
    for device in home.devices:
        kind = KIND_OF_TYPE.get(device.type)
        if kind:
            devices.setdefault(kind, []).extend(n.lower() for n in (device.name, *device.aliases))
    areas = tuple(n.lower() for area in home.areas for n in (area.name, *area.aliases))
    return Vocabulary(home_devices={k: tuple(v) for k, v in devices.items()}, home_areas=areas)


def generate(per_intent: int, seed: int, home: Home | None = None) -> list[Example]:
    """About `per_intent` examples of every intent (scaled by its weight); same seed, same list."""
    rng = random.Random(seed)
    fill = partial(fill_slot, home_vocabulary(home))
    examples: list[Example] = []
    for intent, phrasings in templates().items():
        count = round(per_intent * WEIGHTS.get(intent, 1.0))
        for _ in range(count):
            pieces = sample(rng.choice(phrasings), rng, fill)
            if rng.random() < APOSTROPHE_DROP:
                pieces = [(t.replace("'", "") if label is None else t, label) for t, label in pieces]
            text, spans = join(pieces)
            examples.append(Example(text, intent, tuple(spans)))
    examples += [Example(text, intent, spans) for text, intent, spans in
                 sampled_examples(home_assistant_intents(), round(per_intent * SENTENCE_SHARE), rng)]
    rng.shuffle(examples)
    return examples


def sample(node: object, rng: random.Random, fill: Filler) -> list[Piece]:
    """One random rendering of a template (or part of one) as pieces of text with their slot labels; an optional
    part is left out half the time."""
    if isinstance(node, TextChunk):
        return [(node.text, None)]
    if isinstance(node, Sentence):
        return sample(node.expression, rng, fill)
    if isinstance(node, ListReference):
        slot = template_slot(node)
        if slot.literal is not None:
            return [(slot.literal, None if slot.label == "_" else slot.label)]
        return fill(slot.label, slot.kind, rng)
    if isinstance(node, RuleReference):
        return sample(rules()[node.rule_name], rng, fill)
    if isinstance(node, Alternative):
        if node.is_optional and rng.random() < 0.5:
            return []
        return sample(rng.choice(node.items[:-1] if node.is_optional else node.items), rng, fill)
    assert isinstance(node, Group), node
    return [piece for item in node.items for piece in sample(item, rng, fill)]


def join(pieces: list[Piece]) -> tuple[str, list[Span]]:
    """Glue pieces into one single-spaced string and the character spans of the labelled ones."""
    text = ""
    spans: list[Span] = []
    after_slot = False
    for chunk, label in pieces:
        chunk = " ".join(chunk.split()) if label else _squeeze(chunk)
        if not chunk.strip():
            if chunk and text and not text.endswith(" "):
                text += " "
            continue
        if text.endswith(" ") and chunk.startswith(" "):
            chunk = chunk[1:]
        if (label or after_slot) and text and not text.endswith(" ") and not chunk.startswith((" ", "'")):
            text += " "
        after_slot = label is not None
        start = len(text)
        text += chunk
        if label:
            spans.append((start, len(text), label))
    stripped = text.lstrip()
    shift = len(text) - len(stripped)
    return stripped.rstrip(), [(s - shift, e - shift, label) for s, e, label in spans]


def _squeeze(chunk: str) -> str:
    """Collapse runs of whitespace but keep one leading/trailing space if there was any."""
    inner = " ".join(chunk.split())
    lead = " " if chunk[:1].isspace() else ""
    trail = " " if chunk[-1:].isspace() and inner else ""
    return f"{lead}{inner}{trail}"


def fill_slot(vocabulary: Vocabulary, label: str, kind: str, rng: random.Random) -> list[Piece]:
    """Text for the slot `{label:kind}`."""
    if label == "name":
        return [(_device_name(vocabulary, kind, rng), label)]
    if label == "area":
        home = vocabulary.home_areas and rng.random() < HOME_SHARE
        return [(rng.choice(vocabulary.home_areas if home else vocabulary.areas), label)]
    if label in ("hours", "minutes", "seconds") or label == "duration":
        return _duration(kind == "adjective", rng)
    if label == "_":
        if kind == "off_topic":
            return [(rng.choice(vocab.OFF_TOPIC), None)]
        return [(rng.choice(vocab.OFF_TOPIC_FILL[kind]), None)]
    return [(_value(label, kind, rng), label)]


def placeholder(kind: str) -> str:
    """The word that stands for any device of `kind` for the intent classifier ("xlightx")."""
    return f"x{kind}x"


def is_placeholder(word: str) -> bool:
    """Whether `word` is a placeholder, not something a person would say."""
    return word.startswith("x") and word.endswith("x")


def _device_name(vocabulary: Vocabulary, kind: str, rng: random.Random) -> str:
    if kind == "timer":
        return rng.choice(vocab.TIMER_NAMES)
    kind = rng.choice(COMPOSITE_KINDS.get(kind, (kind,)))
    if rng.random() < PLACEHOLDER_SHARE:
        return placeholder(kind)
    own = vocabulary.home_devices.get(kind, ())
    if own and rng.random() < HOME_SHARE:
        return rng.choice(own)
    return rng.choice(vocabulary.devices[kind])


def _value(label: str, kind: str, rng: random.Random) -> str:
    if label == "brightness":
        return _number(rng.choice((rng.randrange(5, 101, 5), rng.randint(1, 100))), rng)
    if label == "volume_level":
        return _number(rng.choice((rng.randrange(0, 101, 10), rng.randint(0, 100))), rng)
    if label == "temperature" and kind == "oven":
        value = rng.choice((rng.randrange(200, 551, 25), rng.randrange(150, 551, 5)))
        style: NumberStyle = rng.choice(("digits", "digits", "colloquial", "words", "words_and"))
        return say_number(value, style)
    if label == "temperature":
        return _number(rng.choice((rng.randint(60, 85), rng.randint(16, 28))), rng)
    if label == "color":
        return rng.choice(vocab.COLORS)
    if label == "state":
        states = {"onoff": ("on", "off"), "cover": ("open", "closed"), "lock": ("locked", "unlocked")}[kind]
        return rng.choice(vocab.STATES[rng.choice(states)])
    if label == "search_query":
        if kind == "any":
            return rng.choice(rng.choice(list(vocab.MEDIA.values())))
        if kind == "song_by":
            return f"{rng.choice(vocab.MEDIA['song'])} by {rng.choice(vocab.MEDIA['artist'])}"
        return rng.choice(vocab.MEDIA[kind])
    if label == "media_class":
        return rng.choice(vocab.MEDIA_CLASS_WORDS[kind])
    if label == "location":
        return rng.choice(vocab.CITIES)
    if label == "day":
        return rng.choice(vocab.DAYS)
    raise KeyError(f"no vocabulary for slot {label}:{kind}")


def _number(value: int, rng: random.Random) -> str:
    draw = rng.random()
    return say_number(value, "digits" if draw < 0.5 else "words" if draw < 0.9 else "words_and")


_UNIT_LIMITS = {"hours": 12, "minutes": 90, "seconds": 90}


def _duration(adjective: bool, rng: random.Random) -> list[Piece]:
    """A spoken duration, one labelled span per unit ("1 hour and 20 minutes")."""
    if adjective:
        unit = rng.choice(("minutes", "minutes", "seconds", "hours"))
        value = rng.randint(1, _UNIT_LIMITS[unit])
        article = "an" if say_number(value, "words")[0] in "aeiou" else "a"
        return [(article, None), (f"{_number(value, rng)} {unit[:-1]}", unit)]
    shape = rng.random()
    if shape < 0.1:
        unit = rng.choice(("hours", "minutes"))
        value = rng.randint(1, 5)
        said = _number(value, rng)
        if rng.random() < 0.4:
            return [(f"{said} and a half {unit}", unit)]
        if value == 1:
            said = rng.choice((said, "an" if unit == "hours" else "a"))
        return [(f"{said} {unit[:-1] if value == 1 else unit} and a half", unit)]
    if shape < 0.25:
        phrase, unit = rng.choice((
            ("an hour and a half", "hours"), ("half an hour", "hours"), ("a minute and a half", "minutes"),
            ("half a minute", "minutes"), ("a quarter of an hour", "hours"), ("an hour", "hours"),
            ("a minute", "minutes"), ("one and a half hours", "hours"), ("two and a half minutes", "minutes"),
            ("a couple of minutes", "minutes"), ("a second", "seconds"),
        ))
        return [(phrase, unit)]
    units = rng.choice((("minutes",), ("minutes",), ("seconds",), ("hours",), ("hours", "minutes"),
                        ("minutes", "seconds")))
    pieces: list[Piece] = []
    for i, unit in enumerate(units):
        value = rng.randint(1, _UNIT_LIMITS[unit] if i == 0 else 59)
        word = unit if value != 1 else unit[:-1]
        if i:
            pieces.append(("and" if rng.random() < 0.5 else "", None))
        pieces.append((f"{_number(value, rng)} {word}", unit))
    return pieces
