"""What the failure-point isolator sees of a turn: its trace (each stage's confidence and output), how the user
reacted in the turns right after it, and whether the devices confirmed.

The reaction matters most: a user who says the same words again after a wrong answer points at what they
heard (words that sound alike but differ: the recognizer), at what was understood (same words, another
intent: NLU), at which device (same intent, other devices: entity resolution), or at what was done (same
intent and devices: the result). Nobody reacting to a near-miss wake on talk no skill serves points at the TV.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from agent.feedback.rephrase import sound_key
from agent.feedback.signals import NEGATIVE_INTENTS
from agent.text import spoken
from agent.trace import Stage, TurnTrace
from agent.turn import Outcome

REACTION_S = 30.0
"""Turns by the same user on the same satellite starting this soon after a turn ends are reactions to it."""
OUTCOMES = (Outcome.SUCCESS, Outcome.UNCONFIRMED, Outcome.UNRESOLVED, Outcome.UNSUPPORTED, Outcome.CLARIFY,
            Outcome.CONFIRM, Outcome.ERROR)
NAMES = (
    "wake_score", "asr_confidence", "words", "rewritten", "nlu_confidence", "out_of_domain", "resolve_problem",
    "devices", "device_score", *(f"outcome_{o}" for o in OUTCOMES), "barged_in",
    "reacted", "gap_s", "negative", "again_words", "again_sound", "again_words_changed", "again_same_intent",
    "again_same_devices", "again_success", "again_rephrase",
)
"""Feature names, in vector order."""


@dataclass(frozen=True)
class TurnFeatures:
    """One turn's features, in `NAMES` order."""

    turn_id: str
    values: tuple[float, ...]

    def named(self) -> dict[str, float]:
        return dict(zip(NAMES, self.values))


def featurize(turn: TurnTrace, after: Sequence[TurnTrace]) -> TurnFeatures:
    """Features of `turn` given the same user's next turns on the same satellite (`after`, in time order)."""
    ended = turn.ended_at or turn.started_at
    reactions = [t for t in after if 0 <= t.started_at - ended <= REACTION_S]
    negative = any(t.intent in NEGATIVE_INTENTS for t in reactions)
    again = next((t for t in reactions if t.intent not in NEGATIVE_INTENTS), None)
    heard, heard_again = spoken(turn.heard), spoken(again.heard) if again else ""
    nlu = turn.record(Stage.NLU)
    resolved = turn.record(Stage.RESOLVE)
    resolution = resolved.output if resolved and isinstance(resolved.output, dict) else {}
    values = [
        _confidence(turn, Stage.WAKE, 1.0),
        _confidence(turn, Stage.ASR, 1.0),
        float(len(heard.split())),
        float(turn.rewrite is not None),
        nlu.confidence if nlu and nlu.confidence is not None else 0.0,
        float(turn.intent in (None, "OutOfDomain")),
        float(bool(resolution.get("problem") or resolution.get("question"))),
        float(len(turn.devices)),
        min((resolution.get("scores") or {}).values(), default=1.0),
        *(float(turn.outcome == o) for o in OUTCOMES),
        float(turn.barged_in),
        float(bool(reactions)),
        min(REACTION_S, (reactions[0].started_at - ended) if reactions else REACTION_S),
        float(negative),
        fuzz.ratio(heard, heard_again) / 100.0 if again else 0.0,
        fuzz.ratio(sound_key(heard), sound_key(heard_again)) / 100.0 if again else 0.0,
        float(len(set(heard.split()) ^ set(heard_again.split()))) if again else 0.0,
        float(again is not None and again.intent == turn.intent),
        float(again is not None and again.devices == turn.devices),
        float(again is not None and again.outcome == Outcome.SUCCESS),
        float(again is not None and again.rephrase_of == turn.turn_id),
    ]
    return TurnFeatures(turn.turn_id, tuple(float(v) for v in values))


def featurize_all(turns: Iterable[TurnTrace]) -> Iterator[tuple[TurnTrace, TurnFeatures]]:
    """Each turn with its features; reactions are looked for among the same user's turns on the same satellite."""
    for conversation in conversations(turns):
        for i, turn in enumerate(conversation):
            yield turn, featurize(turn, conversation[i + 1: i + 4])


def conversations(turns: Iterable[TurnTrace]) -> list[list[TurnTrace]]:
    """Each user's turns on each satellite, in time order."""
    by_speaker: dict[tuple[str, str], list[TurnTrace]] = {}
    for turn in turns:
        by_speaker.setdefault((turn.user, turn.device), []).append(turn)
    return [sorted(said, key=lambda t: t.started_at) for said in by_speaker.values()]


def _confidence(turn: TurnTrace, stage: Stage, missing: float) -> float:
    record = turn.record(stage)
    return record.confidence if record and record.confidence is not None else missing
