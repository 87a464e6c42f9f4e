"""Template syntax: `(a|b)` alternatives, `[a|b]` optional, `{slot:kind}` / `{slot=literal}` slots, `<rule>` references."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

Piece = tuple[str, str | None]
"""A stretch of generated text and the slot label it carries (None for plain words)."""


@dataclass(frozen=True)
class Text:
    """Literal words."""

    text: str


@dataclass(frozen=True)
class SlotRef:
    """A slot placeholder: `{label:kind}` is filled from vocabulary, `{label=text}` is literal."""

    label: str
    """Slot name, or `_` for unlabelled filler words."""
    kind: str = ""
    """Which vocabulary fills it (e.g. `light` for `{name:light}`)."""
    literal: str | None = None
    """Fixed text for `{label=text}`."""


@dataclass(frozen=True)
class RuleRef:
    """A reference to a named, shared expression."""

    name: str


@dataclass(frozen=True)
class Sequence:
    """Items said one after another."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Alternative:
    """One of several sequences; possibly none of them when optional."""

    options: tuple[Sequence, ...]
    optional: bool = False


Node = Text | SlotRef | RuleRef | Sequence | Alternative
Filler = Callable[[str, str, random.Random], list[Piece]]
"""Fills a slot (label, kind) with pieces of text."""

_CLOSERS = {"(": ")", "[": "]"}


class TemplateError(ValueError):
    """A template that does not parse."""


@lru_cache(maxsize=None)
def parse(template: str) -> Sequence:
    """Parse a template into an expression tree."""
    node, end = _parse_sequence(template, 0, "")
    if end != len(template):
        raise TemplateError(f"unexpected {template[end]!r} at {end} in {template!r}")
    return node


def _parse_sequence(text: str, pos: int, closer: str) -> tuple[Sequence, int]:
    items: list[Node] = []
    buffer = ""
    while pos < len(text) and text[pos] not in "|" + closer:
        char = text[pos]
        if char in _CLOSERS or char in "{<":
            if buffer:
                items.append(Text(buffer))
                buffer = ""
            if char in _CLOSERS:
                node, pos = _parse_alternative(text, pos + 1, _CLOSERS[char], optional=char == "[")
                items.append(node)
            else:
                end = text.find("}" if char == "{" else ">", pos)
                if end < 0:
                    raise TemplateError(f"unclosed {char!r} at {pos} in {text!r}")
                body = text[pos + 1:end]
                items.append(_slot(body) if char == "{" else RuleRef(body))
                pos = end + 1
        elif char in ")]}>":
            raise TemplateError(f"unexpected {char!r} at {pos} in {text!r}")
        else:
            buffer += char
            pos += 1
    if buffer:
        items.append(Text(buffer))
    return Sequence(tuple(items)), pos


def _parse_alternative(text: str, pos: int, closer: str, optional: bool) -> tuple[Alternative, int]:
    options: list[Sequence] = []
    while True:
        seq, pos = _parse_sequence(text, pos, closer)
        options.append(seq)
        if pos >= len(text):
            raise TemplateError(f"missing {closer!r} in {text!r}")
        if text[pos] == closer:
            return Alternative(tuple(options), optional), pos + 1
        pos += 1  # skip "|"


def _slot(body: str) -> SlotRef:
    if "=" in body:
        label, literal = body.split("=", 1)
        return SlotRef(label.strip(), literal=literal.strip())
    label, _, kind = body.partition(":")
    return SlotRef(label.strip(), kind.strip())


def sample(node: Node, rng: random.Random, fill: Filler, rules: Mapping[str, str]) -> list[Piece]:
    """One random rendering of `node` as pieces of text with their slot labels."""
    if isinstance(node, Text):
        return [(node.text, None)]
    if isinstance(node, SlotRef):
        if node.literal is not None:
            return [(node.literal, None if node.label == "_" else node.label)]
        return fill(node.label, node.kind, rng)
    if isinstance(node, RuleRef):
        return sample(parse(rules[node.name]), rng, fill, rules)
    if isinstance(node, Sequence):
        return [piece for item in node.items for piece in sample(item, rng, fill, rules)]
    if node.optional and rng.random() < 0.5:
        return []
    return sample(rng.choice(node.options), rng, fill, rules)


def join(pieces: list[Piece]) -> tuple[str, list[tuple[int, int, str]]]:
    """Glue pieces into one single-spaced string and the character spans of the labelled ones."""
    text = ""
    spans: list[tuple[int, int, str]] = []
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
