"""The home's command templates (`templates.yaml`, Home Assistant's sentence format), parsed by hassil.

A slot is a list reference `{<list>:<slot>}` whose list name says what fills it: `name_light` a light's name,
`name_is_coffee` the word "coffee", `_food` off-topic words that fill no slot (see the file's header).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml
from hassil.expression import ListReference, Sentence
from hassil.intents import Intents

LITERAL = "is_"
"""A list name `<slot>_is_<words>` stands for those words."""


@dataclass(frozen=True)
class TemplateSlot:
    """What a list reference of the templates stands for."""

    label: str
    """The slot it fills, `_` for none."""
    kind: str = ""
    """Which vocabulary fills it (`light` for `name_light`), "" for the slot's own."""
    literal: str | None = None
    """The words it always says (`name_is_coffee`: "coffee")."""


def template_slot(ref: ListReference) -> TemplateSlot:
    """What `ref` stands for, from its list and slot names."""
    label = ref.slot_name
    kind = ref.list_name.removeprefix(label).removeprefix("_")
    if kind.startswith(LITERAL):
        return TemplateSlot(label, literal=kind.removeprefix(LITERAL).replace("_", " "))
    return TemplateSlot(label, kind)


@lru_cache(maxsize=1)
def template_intents() -> Intents:
    """The templates file as hassil loads it: intents, their sentences and the expansion rules."""
    text = resources.files("agent.nlu").joinpath("templates.yaml").read_text(encoding="utf-8")
    return Intents.from_dict(yaml.safe_load(text))


@lru_cache(maxsize=1)
def templates() -> dict[str, tuple[Sentence, ...]]:
    """Templates per intent, in the file's order (parsed on first use: a tenth of a second)."""
    return {name: tuple(s for data in intent.data for s in data.sentences)
            for name, intent in template_intents().intents.items()}


def rules() -> dict[str, Sentence]:
    """Named fragments shared by templates, referenced as `<name>`."""
    return template_intents().expansion_rules
