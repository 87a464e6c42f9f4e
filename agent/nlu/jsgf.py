"""The NLU templates written as a JSGF grammar with a home's slot lists: what the recognizer may hear and what
the template matcher parses exactly."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal, TypeAlias

import yaml
from hassil.expression import (
    Alternative,
    Expression,
    Group,
    ListReference,
    RuleReference,
    Sentence,
    Sequence,
    TextChunk,
)

from agent.home import Home
from agent.kinds import COMPOSITE_KINDS, KIND_OF_TYPE, kind_words
from agent.nlu import vocab
from agent.nlu.intents import SLOT_NAMES
from agent.nlu.templates import rules, template_slot, templates
from agent.text import words_of

TOP_RULE = "command"
"""The public rule a decoder starts from."""
SKIPPED_INTENTS = frozenset({"OutOfDomain"})
"""Intents left to the free-form fallback: their phrasings are open-ended."""

GENRES = ("jazz", "rock", "classical music", "pop", "country", "blues", "relaxing music", "the news")
"""Generic things to play beyond the catalog."""
SEARCH_CLASSES: dict[str, tuple[str, ...]] = {
    "movie": ("movie",), "audiobook": ("audiobook",), "song": ("soundtrack", "music"),
    "song_by": ("soundtrack", "music"), "artist": ("music",), "genre": ("music",), "album": ("music",),
    "podcast": ("podcast",), "radio": ("radio",),
}
"""Search query kind -> catalog media classes (every class for other kinds)."""
NUMBER_RULES: dict[str, str] = {
    "digit": "(one | two | three | four | five | six | seven | eight | nine)",
    "teen": "(ten | eleven | twelve | thirteen | fourteen | fifteen | sixteen | seventeen | eighteen | nineteen)",
    "upto60": "(<digit> | <teen> | (twenty | thirty | forty | fifty) [<digit>] | sixty)",
    "upto99": "(<digit> | <teen> | (twenty | thirty | forty | fifty | sixty | seventy | eighty | ninety) [<digit>])",
    "by5": "(ten | fifteen | (twenty | thirty | forty | fifty | sixty | seventy | eighty | ninety) [five])",
    "unit": "(second | seconds | minute | minutes | hour | hours)",
    "brightness": "(zero | <upto99> | (one | a) hundred)",
    "volume_level": "(zero | <upto99> | (one | a) hundred)",
    "temperature_climate": "(forty | fifty | sixty | seventy | eighty | ninety) [<digit>]",
    "temperature_oven": "(one | two | three | four | five) (hundred [[and] (five | <by5>)] | <by5>)",
    "duration": "((<upto60> | a | an) <unit> [[and] ((<upto60> | a | an) <unit> | a half)]"
                " | half (an hour | a minute) | a couple of minutes | a quarter of an hour)",
    "duration_adjective": "(a | an) <upto60> (second | minute | hour)",
}
"""Number and duration rules, written compositionally to keep the grammar small: 0-100 (brightness, volume),
40-99 (thermostats), 100-595 in steps of 5 said as "three hundred [and] fifty" or "three fifty" (ovens),
1-60 seconds, minutes or hours with an optional second unit (timers)."""
NUMBER_PARTS = frozenset({"digit", "teen", "upto60", "upto99", "by5", "unit"})
"""Number rules that are pieces of a slot, not slots."""
SLOT_RULE_LABELS = tuple(sorted((*SLOT_NAMES, "duration"), key=len, reverse=True))
"""Slot labels that rule names start with (longest first: "search_query_movie" is a search_query)."""

Speakable = Callable[[str], bool]


def build_jsgf(home: Home, speakable: Speakable = lambda word: True) -> str:
    """The grammar of every command phrasing for `home`; phrasings with unspeakable words are dropped."""
    templates, rules = template_grammar(home, speakable)
    lines = ["#JSGF V1.0;", "grammar ambient;", f"public <{TOP_RULE}> = {_factor(t.items for t in templates)};"]
    lines += [f"<{name}> = {body};" for name, body in rules.items()]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class TemplateGrammar:
    """One template written as JSGF."""

    intent: str
    items: tuple[str, ...]
    """JSGF items, one per word or group; slots are rule references (`<name_light>`, `<name_is_coffee>`)."""


def template_grammar(home: Home, speakable: Speakable = lambda word: True
                     ) -> tuple[list[TemplateGrammar], dict[str, str]]:
    """Every template of every intent (but the open-ended ones) as JSGF, and the rules they reference."""
    writer = _Writer(slot_phrases(home), speakable)
    grammar = [TemplateGrammar(intent, parts) for intent, phrasings in templates().items()
               if intent not in SKIPPED_INTENTS for template in phrasings if (parts := writer.parts(template))]
    return grammar, dict(sorted(writer.rules.items())) | NUMBER_RULES


def slot_of(rule: str) -> str | None:
    """The slot a rule of `template_grammar` stands for ("name_light", "name_is_coffee" -> "name"), or None."""
    if rule in rules() or rule in NUMBER_PARTS:
        return None
    return next((label for label in SLOT_RULE_LABELS if rule == label or rule.startswith(f"{label}_")), None)


def slot_phrases(home: Home) -> dict[str, tuple[str, ...]]:
    """Phrases for every slot rule (`name_light`, `area`, `brightness`, ...) in this home."""
    devices: dict[str, list[str]] = {kind: list(words) for kind, words in kind_words().items()}
    for device in home.devices:
        kind = KIND_OF_TYPE.get(device.type)
        if kind:
            devices[kind] += [device.name, *device.aliases]
    for kind, parts in COMPOSITE_KINDS.items():
        devices[kind] = [name for part in dict.fromkeys(parts) for name in devices[part]]
    catalog = _catalog()
    slots: dict[str, Iterable[str]] = {f"name_{kind}": names for kind, names in devices.items()}
    slots |= {
        "name_timer": vocab.TIMER_NAMES,
        "area": [name for area in home.areas for name in (area.name, *area.aliases)],
        "color": vocab.COLORS,
        "location": (*vocab.CITIES, home.location),
        "day": vocab.DAYS,
        **{f"state_{kind}": [w for state in states for w in vocab.STATES[state]]
           for kind, states in (("onoff", ("on", "off")), ("cover", ("open", "closed")),
                                ("lock", ("locked", "unlocked")))},
        **{f"media_class_{kind}": words for kind, words in vocab.MEDIA_CLASS_WORDS.items()},
        **{f"search_query_{kind}": [t for c in classes for t in catalog.get(c, ())]
           for kind, classes in SEARCH_CLASSES.items()},
        "search_query_any": [t for titles in catalog.values() for t in titles],
    }
    slots["search_query_genre"] = [*slots["search_query_genre"], *GENRES]
    return {name: tuple(dict.fromkeys(" ".join(words_of(p)) for p in phrases if words_of(p)))
            for name, phrases in slots.items()}


@lru_cache(maxsize=1)
def _catalog() -> dict[str, tuple[str, ...]]:
    """Media titles and aliases from the skills' catalog, by media class."""
    raw = yaml.safe_load(resources.files("skills.data").joinpath("media.yaml").read_text(encoding="utf-8"))
    titles: dict[str, list[str]] = {}
    for item in raw["items"]:
        titles.setdefault(str(item["media_class"]), []).extend(
            str(t) for t in (item["title"], *(item.get("aliases") or ())))
    return {cls: tuple(dict.fromkeys(t)) for cls, t in titles.items()}


class _Writer:
    """Turns template expression trees (hassil's) into JSGF bodies, collecting the rules they reference."""

    def __init__(self, slots: Mapping[str, tuple[str, ...]], speakable: Speakable) -> None:
        self.slots = slots
        self.speakable = speakable
        self.rules: dict[str, str] = {}

    def parts(self, template: Sentence) -> tuple[str, ...] | None:
        """The JSGF items of one template, one per word or group, or None when it cannot be said."""
        items: list[str] = []
        for item in _glued(_items(template.expression)):
            part = self.node(item)
            if part is None:
                return None
            items += part.split() if isinstance(item, TextChunk) else [part] if part else []
        return tuple(items) or None

    def node(self, node: Expression) -> str | None:
        """JSGF for `node`; "" for nothing said, None when it cannot be said."""
        if isinstance(node, TextChunk):
            return self.words(node.text)
        if isinstance(node, ListReference):
            return self.slot(node)
        if isinstance(node, RuleReference):
            return self.rule(node.rule_name, lambda: self.node(rules()[node.rule_name].expression))
        if isinstance(node, Alternative):
            options = [o for o in (self.node(option) for option in node.items) if o is not None]
            said = list(dict.fromkeys(o for o in options if o))
            if not said:
                return "" if options or node.is_optional else None
            group = " | ".join(said)
            return f"[{group}]" if node.is_optional or "" in options else f"({group})"
        assert isinstance(node, Group), node
        return self.sequence(_glued(node.items))

    def sequence(self, items: Iterable[Expression]) -> str | None:
        parts: list[str] = []
        for item in items:
            part = self.node(item)
            if part is None:
                return None
            if part:
                parts.append(part)
        return " ".join(parts)

    def words(self, text: str) -> str | None:
        said = words_of(text)
        return " ".join(said) if all(self.speakable(w) for w in said) else None

    def slot(self, ref: ListReference) -> str | None:
        slot = template_slot(ref)
        if slot.literal is not None:
            literal = slot.literal
            return self.rule(f"{slot.label}_is_{'_'.join(words_of(literal))}", lambda: self.words(literal))
        if slot.label == "_":
            return None
        name = f"{slot.label}_{slot.kind}" if slot.kind else slot.label
        if slot.label in ("hours", "minutes", "seconds"):
            name = "duration"
        if name in NUMBER_RULES:
            return f"<{name}>"
        return self.rule(name, lambda: self.alternatives(self.slots.get(name, ())))

    def alternatives(self, phrases: Iterable[str]) -> str | None:
        said = [p for p in phrases if all(self.speakable(w) for w in p.split())]
        return f"({' | '.join(said)})" if said else None

    def rule(self, name: str, body: Callable[[], str | None]) -> str | None:
        """A reference to rule `name`, writing its body on first use."""
        if name not in self.rules:
            self.rules[name] = ""  # placeholder against recursion
            written = body()
            if not written:
                del self.rules[name]
                return written
            self.rules[name] = written
        return f"<{name}>"


def _factor(sequences: Iterable[tuple[str, ...]]) -> str:
    """Alternatives of item sequences with shared beginnings said once: "a (b | c)" for "a b | a c"."""
    groups: dict[str, list[tuple[str, ...]]] = {}
    ends = False
    for sequence in sequences:
        if sequence:
            groups.setdefault(sequence[0], []).append(sequence[1:])
        else:
            ends = True
    options = []
    for head, rests in groups.items():
        tail = _factor(rests)
        options.append(f"{head} {tail}" if tail else head)
    if not options:
        return ""
    group = " | ".join(options)
    return f"[{group}]" if ends else f"({group})" if len(options) > 1 else group


def _items(node: Expression) -> list[Expression]:
    return list(node.items) if isinstance(node, Group) and not isinstance(node, Alternative) else [node]


def _glued(items: Iterable[Expression]) -> list[Expression]:
    """Resolve word pieces glued across nodes ("how('s| is)", "{day_is_today:day}'s") into whole words."""
    out: list[Expression] = []
    for item in items:
        prev = out[-1] if out else None
        literal = template_slot(prev).literal if isinstance(prev, ListReference) else None
        if isinstance(item, TextChunk) and isinstance(prev, TextChunk):  # hassil keeps each word apart
            out[-1] = TextChunk(prev.text + item.text)
        elif isinstance(item, TextChunk) and item.text[:1] == "'" and literal:
            out[-1] = TextChunk(literal + item.text)
        elif isinstance(item, Alternative) and isinstance(prev, TextChunk) and prev.text[-1:].isalpha():
            head, _, stem = prev.text.rpartition(" ")
            options: list[Expression] = [Sequence([TextChunk(stem + _text_of(o))]) for o in item.items]
            out[-1:] = [TextChunk(head + " ") if head else TextChunk(""), Alternative(options)]
        else:
            out.append(item)
    return out


def _text_of(option: Expression) -> str:
    """The literal text of a plain-text alternative option."""
    chunks = _items(option)
    if not all(isinstance(i, TextChunk) for i in chunks):
        raise ValueError(f"cannot glue a word onto {option!r}")
    return "".join(i.text for i in chunks if isinstance(i, TextChunk))


Ast: TypeAlias = (
    tuple[Literal["word"], str] | tuple[Literal["ref"], str]
    | tuple[Literal["seq"], list["Ast"]] | tuple[Literal["alt"], list["Ast"], bool]
)
"""A parsed JSGF body: ("word", w) | ("ref", rule) | ("seq", [ast]) | ("alt", [ast], optional)."""


def parse_body(body: str) -> Ast:
    """Parse a JSGF rule body made of words, <refs>, ( | ) and [ | ]."""
    tokens = re.findall(r"<\w+>|[()\[\]|]|[^\s()\[\]|<>]+", body)
    ast, pos = _parse_alt(tokens, 0, optional=False)
    if pos != len(tokens):
        raise ValueError(f"unexpected {tokens[pos]!r} in JSGF body")
    return ast


def _parse_alt(tokens: list[str], pos: int, optional: bool) -> tuple[Ast, int]:
    options: list[Ast] = []
    while True:
        items: list[Ast] = []
        while pos < len(tokens) and tokens[pos] not in "|)]":
            token = tokens[pos]
            if token in "([":
                item, pos = _parse_alt(tokens, pos + 1, optional=token == "[")
                pos += 1  # the closer
            else:
                item, pos = (("ref", token[1:-1]) if token[0] == "<" else ("word", token)), pos + 1
            items.append(item)
        options.append(("seq", items))
        if pos >= len(tokens) or tokens[pos] != "|":
            return ("alt", options, optional), pos
        pos += 1


