"""Per-satellite dialogue state: the session, the last turn and a pending confirmation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from agent.trace import TurnTrace
from agent.turn import Resolution

SESSION_GAP_S = 300.0
"""Silence after which the next turn starts a new session."""
CONFIRM_WINDOW_S = 30.0
"""How long a confirmation question stays open."""


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

    def begin(self, now: float) -> None:
        """Start a new session when the last turn is too long ago; drop stale confirmations."""
        if self.last_turn is not None and now - self.last_at > SESSION_GAP_S:
            self.session_id = uuid.uuid4().hex
            self.last_turn = None
        if self.pending and now > self.pending.expires_at:
            self.pending = None

    def end(self, trace: TurnTrace, now: float) -> None:
        self.last_turn = trace
        self.last_at = now

    def take_pending(self, now: float) -> PendingAction | None:
        pending, self.pending = self.pending, None
        return pending if pending and now <= pending.expires_at else None
