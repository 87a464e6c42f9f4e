"""Is this request the previous one said again? A rephrase detector over time, words, sound and outcome.

A user who says something again right after a failure is the strongest implicit feedback there is: the
first request failed, and the second (if it works) shows what was meant. A bare string ratio is not enough:
"turn on the chicken light" after "turn on the kitchen light" differs by a letter, "could you put the big
light on" after "turn on the living room ceiling light" shares few letters but follows a failure within
seconds; "what time is it" an hour after "what's the weather" is no rephrase at all.

Features (each in [0, 1]) and how they combine, as a logistic score:

| feature | what it measures | weight |
|---|---|---|
| `soon` | 1 within 5 s of the previous turn's end, falling linearly to 0 at `WINDOW_S` | 1.0 |
| `words` | rapidfuzz token-set similarity of the two texts | 6.0 |
| `sound` | similarity of their Metaphone keys ("kitchen" KXN, "chicken" XKN) | 2.0 |
| `failed` | the previous turn failed, was interrupted, or was not understood | 4.0 |
| `same_intent` | both parsed to the same intent (another try at the same thing) | 1.0 |

Bias -9.5; a rephrase when the score is at least `THRESHOLD`. Turns further apart than `WINDOW_S`, or by
another user or on another satellite, are never rephrases. The weights were set by hand on the 28 labelled
pairs in `tests/test_feedback.py`, written for the purpose, favouring precision: a false rephrase teaches a
wrong rewrite, a missed one only teaches nothing. On them: no false rephrase, two missed ("make it warmer"
then "turn up the heat" shares no words; a follow-up after a success that narrows the request).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import jellyfish
from rapidfuzz import fuzz

from agent.text import spoken
from agent.turn import Outcome

WINDOW_S = 45.0
"""A later request is a rephrase only if it starts within this many seconds of the previous one's end."""
SOON_S = 5.0
"""Within this many seconds the time gap counts fully."""
THRESHOLD = 0.5
"""Score at and above which the pair is a rephrase."""
WEIGHTS: dict[str, float] = {"soon": 1.0, "words": 6.0, "sound": 2.0, "failed": 4.0, "same_intent": 1.0}
BIAS = -9.5
FAILED_OUTCOMES = frozenset({Outcome.UNRESOLVED, Outcome.UNSUPPORTED, Outcome.ERROR, Outcome.UNCONFIRMED,
                             Outcome.CLARIFY, Outcome.NO_SPEECH})
"""Outcomes that leave the user without what was asked."""
NOT_UNDERSTOOD = frozenset({None, "OutOfDomain"})


@dataclass(frozen=True)
class TurnView:
    """What the detector needs of a turn."""

    text: str
    started_at: float
    ended_at: float
    outcome: Outcome | None
    intent: str | None = None
    barged_in: bool = False
    user: str = ""
    device: str = ""

    @property
    def failed(self) -> bool:
        """The user did not get what was asked: a failed outcome, an interruption, or no understanding."""
        return self.outcome in FAILED_OUTCOMES or self.barged_in or self.intent in NOT_UNDERSTOOD


@dataclass(frozen=True)
class RephraseFeatures:
    """The detector's features for a (previous, current) pair, each in [0, 1]."""

    soon: float
    words: float
    sound: float
    failed: float
    same_intent: float

    @property
    def score(self) -> float:
        """Probability-like score in (0, 1)."""
        z = BIAS + sum(WEIGHTS[name] * getattr(self, name) for name in WEIGHTS)
        return 1.0 / (1.0 + math.exp(-z))


def features(previous: TurnView, current: TurnView) -> RephraseFeatures | None:
    """The pair's features, or None when it cannot be a rephrase (other user or satellite, too far apart)."""
    gap = current.started_at - previous.ended_at
    if previous.user != current.user or previous.device != current.device or not 0 <= gap <= WINDOW_S:
        return None
    soon = 1.0 if gap <= SOON_S else 1.0 - (gap - SOON_S) / (WINDOW_S - SOON_S)
    before, after = spoken(previous.text), spoken(current.text)
    return RephraseFeatures(
        soon=soon,
        words=fuzz.token_set_ratio(before, after) / 100.0,
        sound=fuzz.ratio(sound_key(before), sound_key(after)) / 100.0,
        failed=1.0 if previous.failed else 0.0,
        same_intent=1.0 if previous.intent is not None and previous.intent == current.intent else 0.0,
    )


def rephrase_score(previous: TurnView, current: TurnView) -> float:
    """How likely `current` says `previous` again (0 when it cannot)."""
    found = features(previous, current)
    return found.score if found else 0.0


def is_rephrase(previous: TurnView, current: TurnView) -> bool:
    return rephrase_score(previous, current) >= THRESHOLD


def sound_key(text: str) -> str:
    """Metaphone key of each word: words that sound alike get alike keys."""
    return " ".join(jellyfish.metaphone(word) for word in text.split())
