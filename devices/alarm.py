"""An alarm clock that rings every day at its alarm time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from devices.base import CommandError, SimDevice

RING_S = 600.0
"""How long it rings unless stopped."""


class AlarmClock(SimDevice):
    """`{"state": idle|ringing, "alarm_time": "HH:MM" or None, "rang_at": epoch seconds or None}`.

    Each day at `alarm_time` (local time) it rings for `RING_S` and records when it went off (`rang_at`, what
    the agent reads as "the alarm just went off"). `{"state": "idle"}` stops it; `{"alarm_time": ...}` sets it.
    """

    command_keys = frozenset({"state", "alarm_time"})
    tick_interval = 1.0

    def default_state(self) -> dict[str, Any]:
        return {"state": "idle", "alarm_time": None, "rang_at": None}

    def _apply(self, state: dict[str, Any], command: dict[str, Any]) -> None:
        if "alarm_time" in command:
            _parse(command["alarm_time"])
            state["alarm_time"] = command["alarm_time"]
        if "state" in command:
            if command["state"] != "idle":
                raise CommandError("an alarm clock can only be stopped ({\"state\": \"idle\"})")
            state["state"] = "idle"

    def _step(self, dt: float) -> None:
        now = self.clock.now()
        due = self._last_due(now)
        if due is not None and due > now - dt and (self.state["rang_at"] or 0) < due:
            self.state["rang_at"] = due
            self.state["state"] = "ringing" if now < due + RING_S else "idle"
        elif self.state["state"] == "ringing" and now >= (self.state["rang_at"] or now) + RING_S:
            self.state["state"] = "idle"

    def _last_due(self, now: float) -> float | None:
        """When the alarm was last due, at or before `now` (local time), or None when no alarm is set."""
        if self.state["alarm_time"] is None:
            return None
        hour, minute = _parse(self.state["alarm_time"])
        today = datetime.fromtimestamp(now).replace(hour=hour, minute=minute, second=0, microsecond=0)
        due = today if today.timestamp() <= now else today - timedelta(days=1)
        return due.timestamp()


def _parse(value: Any) -> tuple[int, int]:
    """"06:30" -> (6, 30); CommandError for anything else."""
    try:
        hour, minute = (int(part) for part in str(value).split(":"))
    except ValueError:
        raise CommandError(f"alarm_time must be HH:MM, got {value!r}") from None
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise CommandError(f"alarm_time must be HH:MM, got {value!r}")
    return hour, minute
