"""Exact template matching, as Home Assistant's hassil does: text that a template says, with slot values from the
home's slot lists, gets that template's intent and slots without any guessing.

Every transcript the recognizer's grammar produces is such a text (the grammar is the same templates), so a
grammar transcript is parsed exactly. Free-form text often wraps a command in words no template has ("turn the
tv off nobody's watching it", "we're going away drop the heating to fifty five"): the longest run of words a
template says, if it is most of the text and the words left over hold no negation, is the command. Text no
template says even in part is left to the trained model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from agent.home import Home
from agent.nlu.jsgf import Ast, parse_body, slot_of, template_grammar
from agent.text import words_of

PART_SHARE = 0.5
"""Share of the words a template must say for the rest to count as chatter around the command."""
PART_MIN_WORDS = 3
"""A partial match says at least this many words ("switch on" alone is a device called switch)."""
NEGATIONS = frozenset({"don't", "dont", "not", "never", "shouldn't", "mustn't"})
"""Left-over words that may turn the command around ("don't turn the tv off"): no partial match then."""


@dataclass(frozen=True)
class TemplateMatch:
    """An intent whose template says the text (or `share` of its words), with the text of each slot it fills."""

    intent: str
    slots: tuple[tuple[str, str], ...]
    """(slot label, words) in the order said."""
    share: float = 1.0


class TemplateMatcher:
    """Matches whole utterances against every template of every intent, with one home's slot lists."""

    def __init__(self, home: Home) -> None:
        templates, rules = template_grammar(home)
        self._rules = {name: parse_body(body) for name, body in rules.items()}
        self._bodies: dict[str, str] = {}
        self._patterns: list[tuple[str, re.Pattern[str], dict[str, str]]] = []
        self._groups: dict[str, str] = {}
        """Group name -> slot label, for the pattern being written."""
        self._starts: dict[str, tuple[frozenset[str], bool]] = {}
        self._first: dict[str, list[int]] = {}
        """First word -> the patterns that may start with it (a text is tried against those only)."""
        self._anywhere: list[int] = []
        """Patterns that may say nothing (tried against every text)."""
        for intent in dict.fromkeys(t.intent for t in templates):
            self._groups = {}
            bodies: list[Ast] = [("seq", [parse_body(item) for item in t.items])
                                 for t in templates if t.intent == intent]
            alternatives = [self._regex(body) for body in bodies]
            words, empty = self._starting(("alt", bodies, False))
            for word in words:
                self._first.setdefault(word, []).append(len(self._patterns))
            if empty:
                self._anywhere.append(len(self._patterns))
            self._patterns.append((intent, re.compile("|".join(f"(?:{a})" for a in alternatives)), self._groups))

    def match(self, text: str) -> list[TemplateMatch]:
        """Every intent one of whose templates says `text` exactly (after spelling it as spoken words)."""
        return self._match_words(words_of(text))

    def match_part(self, text: str) -> list[TemplateMatch]:
        """The intents whose templates say the longest run of `text`'s words that any says, if it is at least
        `PART_SHARE` of them and no negation is left over; the exact matches when the whole text is said."""
        words = words_of(text)
        if (found := self._match_words(words)) or len(words) <= PART_MIN_WORDS:
            return found
        for size in range(len(words) - 1, max(PART_MIN_WORDS, math.ceil(PART_SHARE * len(words))) - 1, -1):
            for start in range(len(words) - size + 1):
                rest = words[:start] + words[start + size:]
                if NEGATIONS.isdisjoint(rest) and (found := self._match_words(words[start:start + size])):
                    share = round(size / len(words), 4)
                    return [TemplateMatch(m.intent, m.slots, share) for m in found]
        return []

    def _match_words(self, words: Sequence[str]) -> list[TemplateMatch]:
        spoken = " ".join(words) + " "
        found = []
        tried = sorted({*self._first.get(words[0] if words else "", ()), *self._anywhere})
        for intent, pattern, groups in (self._patterns[i] for i in tried):
            hit = pattern.fullmatch(spoken)
            if hit is not None:
                slots = sorted((hit.start(g), groups[g], value.strip()) for g, value in hit.groupdict().items()
                               if value is not None)
                found.append(TemplateMatch(intent, tuple((label, value) for _, label, value in slots)))
        return found

    def _starting(self, ast: Ast) -> tuple[frozenset[str], bool]:
        """The words `ast` may start with, and whether it may say nothing."""
        if ast[0] == "word":
            return frozenset((ast[1],)), False
        if ast[0] == "ref":
            if ast[1] not in self._starts:
                self._starts[ast[1]] = frozenset(), True  # against recursion
                self._starts[ast[1]] = self._starting(self._rules[ast[1]])
            return self._starts[ast[1]]
        if ast[0] == "seq":
            words: frozenset[str] = frozenset()
            for item in ast[1]:
                first, empty = self._starting(item)
                words |= first
                if not empty:
                    return words, False
            return words, True
        options = [self._starting(option) for option in ast[1]]
        return frozenset().union(*(w for w, _ in options)), ast[2] or any(e for _, e in options)

    def _regex(self, ast: Ast) -> str:
        """A regular expression for `ast` over words each followed by one space; slots are named groups."""
        if ast[0] == "word":
            return re.escape(ast[1]) + " "
        if ast[0] == "seq":
            return "".join(self._regex(item) for item in ast[1])
        if ast[0] == "alt":
            options = "|".join(self._regex(option) for option in ast[1])
            return f"(?:{options})" + ("?" if ast[2] else "")
        name = ast[1]
        body = self._bodies.get(name)
        if body is None:
            before = len(self._groups)
            body = self._regex(self._rules[name])
            if len(self._groups) == before:  # a rule with slots inside needs fresh group names at each use
                self._bodies[name] = body
        label = slot_of(name)
        if label is None:
            return f"(?:{body})"
        group = f"g{len(self._groups)}"
        self._groups[group] = label
        return f"(?P<{group}>{body})"
