"""Training examples sampled from sentences in Home Assistant's format (Home Assistant's own and ours), with
the slot spans hassil's sampler does not give: the trained model learns the intents these sentences say, so
that what is said loosely around them is understood too.

Names, areas and floors come from the generic vocabulary (the model is trained for any home), the name of the
domain a sentence requires; numbers are said as digits or words; free-text slots (`item`, `message`, ...) from
small lists of everyday values.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from hassil.expression import (
    Alternative,
    Group,
    ListReference,
    Permutation,
    RuleReference,
    Sentence,
    TextChunk,
)
from hassil.intents import IntentData, Intents, RangeSlotList, TextSlotList

from agent.nlu import vocab
from agent.nlu.assist import OUR_NAMES
from agent.nlu.intents import INTENT_NAMES, SLOTS_BY_INTENT
from agent.nlu.slots import DURATION_SLOTS
from agent.text import normalise, say_number

Piece = tuple[str, str | None]
"""A stretch of generated text and the slot label it carries (None for plain words)."""
Span = tuple[int, int, str]
"""Character start, end and slot label."""
NAME_KINDS: dict[str, tuple[str, ...]] = {
    "light": ("light",), "switch": ("switch",), "fan": ("fan",), "cover": ("cover",), "valve": ("valve",),
    "lock": ("lock",), "media_player": ("media",), "climate": ("climate",), "vacuum": ("vacuum",),
    "scene": ("scene",), "script": ("script",), "todo": ("todo",), "sensor": ("sensor",),
    "binary_sensor": ("binary_sensor",), "person": ("person",), "input_boolean": ("switch",),
}
"""A Home Assistant domain's names in the generic vocabulary."""
ANY_DEVICE = ("light", "light", "switch", "media", "fan", "cover")
WILDCARDS: dict[str, tuple[str, ...]] = {
    "item": vocab.GROCERIES, "shopping_list_item": vocab.GROCERIES, "todo_list_item": vocab.CHORES,
    "message": vocab.MESSAGES, "timer_name": vocab.TIMER_NAMES, "timer_command": vocab.LATER_COMMANDS,
    "search_query": tuple(q for titles in vocab.MEDIA.values() for q in titles),
}
"""Everyday values of the free-text slots, by list name."""
DURATION = re.compile(r" ?(hour|minute|second)s?\b")
PUNCTUATION = re.compile(r"[!?,;:\"()\[\]{}.]")


def trained_label(intent: str, data: IntentData, values: dict[str, str]) -> str | None:
    """The intent the trained model learns a Home Assistant sentence as (None: one it does not learn): locking
    and unlocking are our HassLockDoor / HassUnlockDoor, a relative volume change our HassVolumeUp / Down,
    cleaning a room HassVacuumStart with an area (the NLU gives these back under Home Assistant's names)."""
    domain = _domain(data)
    if domain in ("lock", ["lock"]) and (intent, "lock") in OUR_NAMES:
        return OUR_NAMES[intent, "lock"]
    if intent == "HassSetVolumeRelative":
        step = values.get("volume_step", "up")
        return "HassVolumeDown" if step == "down" or step.startswith("-") else "HassVolumeUp"
    if intent == "HassVacuumCleanArea":
        return "HassVacuumStart"
    return intent if intent in INTENT_NAMES else None


def sampled_examples(intents: Intents, per_intent: int, rng: random.Random,
                     label: Callable[[str, IntentData, dict[str, str]], str | None] = trained_label
                     ) -> list[tuple[str, str, tuple[Span, ...]]]:
    """About `per_intent` (text, intent, spans) of each intent; `label(intent, data, values)` names the
    example's intent from the slot values said (None: leave it out)."""
    out = []
    for intent in intents.intents.values():
        blocks = [(data, sentence) for data in intent.data for sentence in data.sentences]
        if not blocks:
            continue
        for _ in range(per_intent):
            data, sentence = rng.choice(blocks)
            pieces: list[Piece] = []
            values: dict[str, str] = {}
            _walk(sentence, intents, data, rng, pieces, values, None)
            name = label(intent.name, data, values)
            if name is not None:
                text, spans = _joined(pieces)
                allowed = SLOTS_BY_INTENT[name]
                if name == "HassGetWeather":  # a weather entity's name is the place
                    spans = tuple((a, b, "location" if slot == "name" else slot) for a, b, slot in spans)
                if text and normalise(text) == text:  # what the NLU is given; else left out
                    out.append((text, name, tuple(span for span in spans if span[2] in allowed)))
    return out


def _walk(expression: object, intents: Intents, data: IntentData, rng: random.Random, pieces: list[Piece],
          values: dict[str, str], slot: str | None) -> None:
    if isinstance(expression, TextChunk):
        pieces.append((expression.text, slot))
    elif isinstance(expression, Sentence):
        _walk(expression.expression, intents, data, rng, pieces, values, slot)
    elif isinstance(expression, Alternative):
        _walk(rng.choice(expression.items), intents, data, rng, pieces, values, slot)
    elif isinstance(expression, Permutation):
        for item in rng.sample(expression.items, len(expression.items)):
            _walk(item, intents, data, rng, pieces, values, slot)
            pieces.append((" ", None))
    elif isinstance(expression, Group):
        for item in expression.items:
            _walk(item, intents, data, rng, pieces, values, slot)
    elif isinstance(expression, RuleReference):
        rule = data.expansion_rules.get(expression.rule_name) or intents.expansion_rules[expression.rule_name]
        _walk(rule, intents, data, rng, pieces, values, slot)
    elif isinstance(expression, ListReference):
        _list(expression, intents, data, rng, pieces, values)


def _list(ref: ListReference, intents: Intents, data: IntentData, rng: random.Random, pieces: list[Piece],
          values: dict[str, str]) -> None:
    label = None if ref.is_capture else ref.slot_name
    said: str
    if ref.list_name in ("name", "area", "floor"):
        said = _home_word(ref.list_name, data, rng)
    elif ref.list_name in WILDCARDS:
        said = rng.choice(WILDCARDS[ref.list_name])
    else:
        found = data.slot_lists.get(ref.list_name) or intents.slot_lists.get(ref.list_name)
        if isinstance(found, RangeSlotList):
            number = rng.randrange(found.start, found.stop + 1, found.step or 1)
            said = say_number(number, "digits" if rng.random() < 0.6 else "words")
            values[ref.slot_name] = str(-number if ref.list_name.endswith("_down") else number)
        elif isinstance(found, TextSlotList) and found.values:
            value = rng.choice(found.values)
            values[ref.slot_name] = str(value.value_out)
            inner: list[Piece] = []
            _walk(value.text_in, intents, data, rng, inner, values, None)
            said = "".join(text for text, _ in inner)
        else:
            said = rng.choice(vocab.OFF_TOPIC)
            label = None
    values.setdefault(ref.slot_name, said)
    pieces.append((said, label))


def _home_word(list_name: str, data: IntentData, rng: random.Random) -> str:
    if _domain(data) == "weather":
        return rng.choice(vocab.CITIES)
    if list_name == "area":
        return rng.choice(vocab.AREAS)
    if list_name == "floor":
        return rng.choice(vocab.FLOORS)
    domains = data.requires_context.get("domain") or data.slots.get("domain")
    domain = rng.choice(domains) if isinstance(domains, list) else domains
    kinds = NAME_KINDS.get(str(domain), ANY_DEVICE) if domain else ANY_DEVICE
    return rng.choice(vocab.DEVICES[rng.choice(kinds)])


def _domain(data: IntentData) -> object:
    return data.requires_context.get("domain") or data.slots.get("domain")


def _joined(pieces: list[Piece]) -> tuple[str, tuple[Span, ...]]:
    """The pieces as one text the way the NLU sees its input (lower case, no punctuation, "%" as "percent",
    single spaces), with the labelled spans, each a word or words of its own; a duration's unit word belongs to
    its span ("10 minutes"), as in the templates' examples."""
    text, apart = "", False
    spans: list[Span] = []
    for raw, label in pieces:
        piece = PUNCTUATION.sub(" ", raw.lower().replace("%", " percent ").replace("°", " degrees ").replace("-", " "))
        piece = re.sub(r"\s+", " ", piece)
        if label:
            piece = piece.strip()
        if piece and (label or apart) and text and not text.endswith(" ") and not piece.startswith(" "):
            text += " "  # a slot's words are words of their own: "10 minute", not "10minute"
        if not text or text.endswith(" "):
            piece = piece.lstrip()
        if label and piece:
            spans.append((len(text), len(text) + len(piece), label))
        text += piece
        apart = bool(label and piece) or (apart and not piece)
    for i, (start, end, label) in enumerate(spans):  # durations take their unit word
        if label in DURATION_SLOTS and (unit := DURATION.match(text, end)):
            spans[i] = (start, unit.end(), label)
    return text.rstrip(), tuple(spans)
