"""Implicit and explicit feedback on turns, and the defect label that derives from it.

A turn is **defective** when the user did not get what was asked, as their behaviour or the agent's own
answer shows:

- `barge_in`: the user interrupted the answer;
- `rephrased`: the next turn says it again (see `rephrase.py`);
- `negative`: the next turn, soon after, is an explicit negative ("no", "that's wrong", "stop");
- `fallback`: the agent could not act (no such device, no skill, a question back, out of domain);
- `error`: a stage broke.

A fallback alone is not a defect: a request nobody can serve ("make me a sandwich") is answered as well as
it can be. It becomes one when the user reacts to it by rephrasing, interrupting or saying no.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agent.feedback.rephrase import SOON_S, TurnView, is_rephrase
from agent.trace import Stage, TurnTrace
from agent.turn import Outcome

NEGATIVE_INTENTS = frozenset({"HassDeny", "HassNevermind"})
"""Intents of an explicit negative right after a turn."""
NEGATIVE_WINDOW_S = 2 * SOON_S
"""A negative counts against the previous turn only this soon after it."""
FALLBACK_OUTCOMES = frozenset({Outcome.UNRESOLVED, Outcome.UNSUPPORTED, Outcome.CLARIFY, Outcome.UNCONFIRMED})


@dataclass(frozen=True)
class Feedback:
    """What is known about how one turn went."""

    barge_in: bool = False
    rephrased: bool = False
    """The next turn says this one again."""
    negative: bool = False
    """The next turn is an explicit negative."""
    fallback: bool = False
    error: bool = False
    declined: bool = False
    """The agent asked to confirm and the user said no: not a defect (asking was right), but a rewrite that
    led there was wrong."""

    @property
    def defect(self) -> bool:
        """The user did not get what was asked."""
        return self.barge_in or self.rephrased or self.negative or self.error

    @property
    def signals(self) -> tuple[str, ...]:
        """The names of the signals present, for the trace and for people."""
        return tuple(name for name in ("barge_in", "rephrased", "negative", "fallback", "error", "declined")
                     if getattr(self, name))


def label(turns: Sequence[TurnView]) -> list[Feedback]:
    """Feedback for each of one user's consecutive turns on one satellite (in time order)."""
    found = []
    for i, turn in enumerate(turns):
        after = turns[i + 1] if i + 1 < len(turns) else None
        said_no = after is not None and _says_no(after.intent, after.started_at - turn.ended_at)
        found.append(Feedback(
            barge_in=turn.barged_in,
            rephrased=after is not None and _says_again(turn, after),
            negative=said_no and turn.intent not in NEGATIVE_INTENTS and turn.outcome != Outcome.CONFIRM,
            fallback=turn.outcome in FALLBACK_OUTCOMES,
            error=turn.outcome == Outcome.ERROR,
            declined=said_no and turn.outcome == Outcome.CONFIRM,
        ))
    return found


def view_of(trace: TurnTrace) -> TurnView | None:
    """The detector's view of a turn trace; None when nothing was heard."""
    asr = trace.record(Stage.ASR)
    text = asr.output.get("text") if asr is not None and isinstance(asr.output, dict) else None
    if not text:
        return None
    return TurnView(text, trace.started_at, trace.ended_at or trace.started_at, trace.outcome, trace.intent,
                    trace.barged_in, trace.user, trace.device)


def rephrases(previous: TurnTrace, current: TurnTrace) -> bool:
    """Whether `current` says `previous` again (the live check behind `TurnTrace.rephrase_of`)."""
    before, after = view_of(previous), view_of(current)
    return before is not None and after is not None and _says_again(before, after)


def rejects(previous: TurnTrace, current: TurnTrace) -> bool:
    """Whether `current` shows `previous` went wrong: it was interrupted, said again, or answered with a no."""
    return previous.barged_in or current.rephrase_of == previous.turn_id or _says_no(
        current.intent, current.started_at - (previous.ended_at or previous.started_at))


def _says_again(turn: TurnView, after: TurnView) -> bool:
    """`after` rephrases `turn` (a "no" is a negative, never a rephrase)."""
    return after.intent not in NEGATIVE_INTENTS and is_rephrase(turn, after)


def _says_no(intent: str | None, gap_s: float) -> bool:
    """A negative intent soon enough after a turn to be about it."""
    return intent in NEGATIVE_INTENTS and gap_s <= NEGATIVE_WINDOW_S
