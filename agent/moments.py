"""Moments: what has just happened in the home, which habits follow ("start brewing" right after the alarm).

A moment is read from device states, so it is the same whether the agent runs live or replays its log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent.home import Home

ALARM = "alarm"
AFTER_ALARM_S = 1800.0
"""For how long after an alarm goes off a request counts as "right after the alarm"."""


def just_happened(home: Home, state_of: Callable[[str], dict[str, Any]], now: float) -> str | None:
    """`ALARM` when an alarm clock went off within `AFTER_ALARM_S` before `now`; else None."""
    for device in home.devices:
        if device.type == "alarm_clock":
            rang_at = state_of(device.id).get("rang_at")
            if isinstance(rang_at, (int, float)) and 0 <= now - rang_at <= AFTER_ALARM_S:
                return ALARM
    return None
