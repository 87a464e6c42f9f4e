"""The interface every wake word engine implements."""

from __future__ import annotations

from typing import Protocol

from agent.turn import WakeEvent


class WakeEngine(Protocol):
    """Spots the wake phrase in a continuous stream of audio frames."""

    phrase: str
    """The phrase it listens for ("" when it listens for any speech: push-to-talk)."""

    def reset(self) -> None:
        """Forget any partial match (after a wake, or when the stream restarts)."""
        ...

    def feed(self, pcm: bytes) -> WakeEvent | None:
        """Add 16 kHz mono int16 audio; returns an event when the wake phrase has just been heard."""
        ...
