"""The command templates are Home Assistant's sentence format: hassil parses them, and hassil's own matcher reads
what our compiled matcher (`agent.nlu.match`, ten times faster on them) reads, intent and slots."""

from __future__ import annotations

from pathlib import Path

import pytest
from hassil import recognize_all
from hassil.expression import Group, ListReference, Sentence
from hassil.intents import (
    Intents,
    SlotList,
    TextSlotList,
    WildcardSlotList,
)

from agent.home import Home, load_home
from agent.nlu.generate import generate
from agent.nlu.jsgf import slot_phrases
from agent.nlu.match import TemplateMatcher
from agent.nlu.templates import rules, template_intents, template_slot, templates
from agent.text import spoken

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def home() -> Home:
    return load_home(ROOT / "scenarios" / "home.yaml")


def _references(sentence: Sentence) -> list[ListReference]:
    """The list references a template says, through the rules it refers to (hassil's own walk)."""
    return list(sentence.expression.list_references(rules())) if isinstance(sentence.expression, Group) else []


def hassil_lists(home: Home) -> dict[str, SlotList]:
    """The home's slot lists for hassil: names and words as text lists, literals as one-word lists; numbers and
    durations, which our grammar says its own way ("four hundred and fifty five degrees"), as wildcards."""
    lists: dict[str, SlotList] = {name: TextSlotList.from_strings(phrases) for name, phrases in slot_phrases(home).items()}
    sentences = [s for phrasings in templates().values() for s in phrasings]
    for ref in (r for s in sentences for r in _references(s)):
        literal = template_slot(ref).literal
        if ref.list_name not in lists:
            lists[ref.list_name] = (TextSlotList.from_strings([literal]) if literal is not None
                                    else WildcardSlotList(ref.list_name))
    return lists


def test_hassil_parses_every_template_and_rule() -> None:
    assert isinstance(template_intents(), Intents)
    assert sum(map(len, templates().values())) > 500 and {"polite", "the", "thanks"} <= set(rules())
    literals = {(template_slot(r).label, template_slot(r).literal) for s in templates()["HassTurnOn"] for r in _references(s)}
    assert {("name", "coffee"), ("name", "lights")} <= literals


def test_hassils_matcher_reads_the_templates_as_ours_does(home: Home) -> None:
    matcher, lists = TemplateMatcher(home), hassil_lists(home)
    compared = 0
    for example in generate(4, 0, home):
        text = spoken(example.text)
        ours = matcher.match(text)
        if example.intent == "OutOfDomain" or not ours:
            continue  # placeholders and generic names are not this home's: ours and hassil's both read nothing
        theirs = [{k: v.text for k, v in r.entities.items()} for r in recognize_all(text, template_intents(), slot_lists=lists)
                  if r.intent.name == ours[0].intent]
        assert dict(ours[0].slots) in theirs, (text, ours, theirs)
        compared += 1
    assert compared > 50
