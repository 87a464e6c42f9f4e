"""Exact template matching, as Home Assistant's hassil does: text that a template says, with slot values from the
home's slot lists, gets that template's intent and slots without any guessing.

Every transcript the recognizer's grammar produces is such a text (the grammar is the same templates), so a
grammar transcript is parsed exactly. Free-form text often wraps a command in words no template has ("turn the
tv off nobody's watching it", "we're going away drop the heating to fifty five"): the longest run of words a
template says, if it is most of the text and the words left over hold no negation, is the command. A shorter
command said at the start or the end of the text counts too when the rest is an aside that stands apart from it
("turn my reading lamp on, I want to read for a bit", "turn it down, the baby's asleep"): the rest names nothing
in the home, holds no number, negation or command of its own, and is not tied on to the command by a preposition
or conjunction ("turn on the light in the basement" is not "turn on the light" in a home without a basement).
A template whose slot is a pronoun ("tick it off my list") refers to the rest, and is no command on its own.
Text no template says even in part is left to the trained model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agent.home import Home
from agent.nlu.intents import PRONOUNS
from agent.nlu.jsgf import Ast, parse_body, slot_of, template_grammar
from agent.text import ARTICLES, is_number_word, words_of

PART_SHARE = 0.5
"""Share of the words a template must say for the rest to count as chatter around the command."""
PART_MIN_WORDS = 3
"""A partial match says at least this many words ("switch on" alone is a device called switch)."""
NEGATIONS = frozenset({"don't", "dont", "not", "never", "shouldn't", "mustn't"})
"""Left-over words that may turn the command around ("don't turn the tv off"): no partial match then."""
TYING_WORDS = frozenset({
    "in", "on", "at", "to", "for", "with", "by", "from", "into", "onto", "of", "and", "or", "but", "until", "till",
    "after", "before", "then", "than", "except", "near", "under", "over", "above", "below", "next", "up", "down",
    "off", "out", "back", "so", "if", "when", "while", "as",
})
"""Words that tie an aside to the command where the two meet ("... in the basement", "... and the hall")."""
LEAD_WORDS = ARTICLES | {"this", "that", "these", "those", "all", "some"}
"""Words an aside before the command cannot end on: the command's object began before them."""


@dataclass(frozen=True)
class TemplateMatch:
    """An intent whose template says the text (or `share` of its words), with the text of each slot it fills."""

    intent: str
    slots: tuple[tuple[str, str], ...]
    """(slot label, words) in the order said."""
    share: float = 1.0
    beside_aside: tuple[str, ...] = ()
    """The words the template says, when the rest is an aside that stands apart from them."""


class TemplateMatcher:
    """Matches whole utterances against every template of every intent, with one home's slot lists."""

    def __init__(self, home: Home) -> None:
        self.home_words = frozenset(
            w for name in (*home.device_names, *(n for a in home.areas for n in (a.name, *a.aliases)),
                           *(n for f in home.all_floors for n in (f.name, *f.aliases))) for w in words_of(name)
        ) - TYING_WORDS - LEAD_WORDS
        """The words of the home's device, area and floor names (function words aside): an aside names none."""
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
        `PART_SHARE` of them and no negation is left over, or if it starts or ends the text beside an aside; the
        exact matches when the whole text is said."""
        words = words_of(text)
        if (found := self._match_words(words)) or len(words) <= PART_MIN_WORDS:
            return found
        for size in range(len(words) - 1, PART_MIN_WORDS - 1, -1):
            for start in range(len(words) - size + 1):
                said, before, after = words[start:start + size], words[:start], words[start + size:]
                aside = not (before and after) and self._aside(before, said, after)
                if aside or size >= PART_SHARE * len(words) and NEGATIONS.isdisjoint(before + after):
                    found = [m for m in self._match_words(said) if PRONOUNS.isdisjoint(v for _, v in m.slots)]
                    if found:
                        return [TemplateMatch(m.intent, m.slots, round(size / len(words), 4), said if aside else ())
                                for m in found]
        return []

    def _aside(self, before: Sequence[str], said: Sequence[str], after: Sequence[str]) -> bool:
        """Whether the words `before` or `after` the command `said` are an aside that stands apart from it: not
        tied to it where they meet, naming nothing in the home, with no number, negation or command of their own;
        and the command says more than a name ("stop" + "the ceiling fan" is no aside and a command)."""
        rest = before or after
        tied = before[-1] in TYING_WORDS | LEAD_WORDS if before else after[0] in TYING_WORDS
        if tied or set(said) <= self.home_words | TYING_WORDS | LEAD_WORDS:
            return False
        if any(w in self.home_words or w in NEGATIONS or is_number_word(w) for w in rest):
            return False
        return not self._match_words(rest)

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
