"""Per-satellite dialogue state: the session, the last turn, what was last talked about, a pending
confirmation, and a question of "learn my preferences" waiting for its answer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from agent.teach.interview import Interview
from agent.trace import TurnTrace
from agent.turn import Intent, Outcome, Resolution

SESSION_GAP_S = 300.0
"""Silence after which the next turn starts a new session."""
CONFIRM_WINDOW_S = 30.0
"""How long a confirmation question stays open."""
TOPIC_TURNS = 3
"""Turns after which what was last talked about is forgotten (like OpenVoiceOS's context: turns remaining)..."""
TOPIC_TTL_S = 120.0
"""... or seconds after, whichever comes first (its expiry)."""
ANSWER_WINDOW_S = 30.0
"""How long a question for a value the request left out stays open."""
OFFER_WINDOW_S = 60.0
"""How long after a missed request getting it right makes the agent offer to remember what was meant."""


@dataclass(frozen=True)
class Topic:
    """The devices the last request acted on or asked about, what it did, and when it is forgotten: what
    "turn it off", "and the kitchen too" and "no, the other one" refer to."""

    intent: str
    devices: tuple[str, ...]
    slots: dict[str, Any]
    values: dict[str, Any]
    """The resolved values (brightness, temperature, ...)."""
    turns_left: int = TOPIC_TURNS
    expires_at: float = 0.0


@dataclass(frozen=True)
class Missed:
    """A request naming something the agent did not know, or got wrong ("that's not what I meant"): if the
    user gets it done right after, the agent offers to remember what the name meant."""

    phrase: str
    intent: str
    expires_at: float


@dataclass(frozen=True)
class OpenQuestion:
    """A question back for a value the request left out ("What temperature should I set?"): the request, and the
    slot asked for (`Result.asks_for`)."""

    intent: Intent
    slot: str
    expires_at: float


@dataclass
class PendingAction:
    """A security-sensitive action waiting for the user's yes."""

    resolution: Resolution
    question: str
    expires_at: float


@dataclass
class Dialogue:
    """What one satellite remembers between turns."""

    session_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    last_turn: TurnTrace | None = None
    last_at: float = 0.0
    pending: PendingAction | None = None
    topic: Topic | None = None
    interview: Interview | None = None
    """"Learn my preferences": the question waiting for its answer."""
    missed: Missed | None = None
    question: OpenQuestion | None = None
    """A value the last request left out, asked for."""

    def begin(self, now: float) -> None:
        """Start a new session when the last turn is too long ago; drop stale confirmations and topics."""
        if self.last_turn is not None and now - self.last_at > SESSION_GAP_S:
            self.session_id = uuid.uuid4().hex
            self.last_turn = None
        if self.pending and now > self.pending.expires_at:
            self.pending = None
        if self.topic and (now > self.topic.expires_at or self.topic.turns_left <= 0):
            self.topic = None
        if self.interview and now > self.interview.expires_at:
            self.interview = None
        if self.missed and now > self.missed.expires_at:
            self.missed = None
        if self.question and now > self.question.expires_at:
            self.question = None

    def end(self, trace: TurnTrace, resolved: Resolution | None, now: float) -> None:
        """Remember the turn (`resolved`: the request as the dialogue manager answered it, if it did); what it
        acted on becomes the topic, else the topic ages by a turn."""
        self.last_turn = trace
        self.last_at = now
        devices = (resolved.devices if resolved else ()) or tuple(trace.devices)
        if trace.outcome == Outcome.UNRESOLVED:
            self.missed = _missed(trace, now) or self.missed
        if trace.outcome == Outcome.SUCCESS and devices and trace.intent:
            self.topic = Topic(trace.intent, devices, dict(trace.slots), dict(resolved.values if resolved else {}),
                               TOPIC_TURNS, now + TOPIC_TTL_S)
        elif self.topic:
            self.topic = replace(self.topic, turns_left=self.topic.turns_left - 1)

    def asked(self, user: str) -> Interview | None:
        """The question `user` was just asked to answer in their own words ("learn my preferences"), if any."""
        return self.interview if self.interview is not None and self.interview.user == user else None

    def declared_wrong(self, now: float) -> bool:
        """"That's not what I meant": the last request is a miss; False when it named nothing to remember."""
        missed = _missed(self.last_turn, now) if self.last_turn else None
        if missed is None:
            return False
        self.missed = missed
        return True

    def take_pending(self, now: float) -> PendingAction | None:
        pending, self.pending = self.pending, None
        return pending if pending and now <= pending.expires_at else None


def _missed(trace: TurnTrace, now: float) -> Missed | None:
    """The miss `trace` is, if it named something; None when there is no name to remember."""
    name = trace.slots.get("name")
    return Missed(str(name), trace.intent, now + OFFER_WINDOW_S) if trace.intent and name else None
