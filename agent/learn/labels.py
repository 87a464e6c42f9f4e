"""Automatic labels: a failed request followed by a successful rephrase is labelled with what the rephrase was
understood as, so the NLU learns the user's words without anyone annotating them.

A label needs the rephrase linked to the failed turn (`TurnTrace.rephrase_of`, set live by the detector), the
rephrase to have succeeded, and the two to have been understood as different intents (same intent: the
words were understood, the failure lay elsewhere). The same words must have been labelled the same way at
least `MIN_SUPPORT` times, by anyone, and that label must hold `MIN_SHARE` of their labels: one confused
session teaches nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from agent.feedback.signals import NEGATIVE_INTENTS
from agent.nlu.generate import Example
from agent.text import spoken
from agent.trace import TurnTrace
from agent.turn import Outcome

MIN_SUPPORT = 2
MIN_SHARE = 0.8


@dataclass(frozen=True)
class AutoLabel:
    """The words of failed requests and the intent they meant."""

    text: str
    intent: str
    support: int
    """How many failed turns said these words and meant this."""


def auto_labels(traces: Iterable[TurnTrace]) -> list[AutoLabel]:
    """Labels from every failed turn that a successful rephrase followed, most supported first."""
    by_id: dict[str, TurnTrace] = {}
    found: dict[str, Counter[str]] = {}
    for turn in sorted(traces, key=lambda t: t.started_at):
        by_id[turn.turn_id] = turn
        failed = by_id.get(turn.rephrase_of or "")
        if failed is None or turn.outcome != Outcome.SUCCESS or turn.intent in (None, *NEGATIVE_INTENTS):
            continue
        words = spoken(failed.heard)
        if words and turn.intent is not None and failed.intent != turn.intent and words != spoken(turn.heard):
            found.setdefault(words, Counter())[turn.intent] += 1
    labels = []
    for words, intents in found.items():
        intent, count = intents.most_common(1)[0]
        if count >= MIN_SUPPORT and count / sum(intents.values()) >= MIN_SHARE:
            labels.append(AutoLabel(words, intent, count))
    return sorted(labels, key=lambda label: (-label.support, label.text))


def write_labels(labels: list[AutoLabel], examples: list[Example], path: Path) -> None:
    """Save the labels with the training examples they became (what the agent's NLU is trained with)."""
    rows = [{**asdict(label), "example": example.text} for label, example in zip(labels, examples)]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(rows, indent=1))
    tmp.replace(path)


def read_labels(path: Path) -> list[Example]:
    """The training examples `write_labels` saved; none when there is no such file."""
    if not path.exists():
        return []
    return [Example(row["example"], row["intent"]) for row in json.loads(path.read_text())]
