"""What the report shows, computed from logged turns: defects (`agent.feedback.signals`), failure points (the
isolator), rewrites' wins and losses, and breakdowns per user and per satellite."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from agent.feedback.signals import label, view_of
from agent.isolate.features import conversations, featurize_all
from agent.isolate.model import Isolator
from agent.text import spoken
from agent.trace import TurnTrace

DAY_S = 86_400.0
TOP = 10
"""Rows in the top-failing-utterances table and bars in the breakdowns."""


@dataclass
class ReportStats:
    turns: int = 0
    defects: int = 0
    defect_rate_by_day: list[tuple[str, float, int]] = field(default_factory=list)
    """(day, defect rate, turns) in time order."""
    failure_points: Counter[str] = field(default_factory=Counter)
    """Defective turns by the stage that failed (isolator); empty without an isolator."""
    top_failing: list[tuple[str, int, str]] = field(default_factory=list)
    """(what was heard, defective turns, most common failure point)."""
    rewrites: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Rewrite rule -> (wins, losses): rewritten turns that went right / were defective."""
    by_user: list[tuple[str, float, int]] = field(default_factory=list)
    """(user, defect rate, turns), most defective first."""
    by_device: list[tuple[str, float, int]] = field(default_factory=list)


def compute(traces: Sequence[TurnTrace], isolator: Isolator | None = None) -> ReportStats:
    """The report's figures over `traces` (any order)."""
    defective = _defects(traces)
    points: dict[str, str] = {}
    if isolator is not None:
        pairs = list(featurize_all(traces))
        points = {d.turn_id: d.label for d in isolator.decide([f for _, f in pairs])}
    stats = ReportStats(turns=len(traces), defects=sum(defective.values()))
    days: dict[str, list[bool]] = defaultdict(list)
    users: dict[str, list[bool]] = defaultdict(list)
    devices: dict[str, list[bool]] = defaultdict(list)
    failing: dict[str, Counter[str]] = defaultdict(Counter)
    for turn in sorted(traces, key=lambda t: t.started_at):
        bad = defective.get(turn.turn_id, False)
        days[_day(turn.started_at)].append(bad)
        users[turn.user].append(bad)
        devices[turn.device].append(bad)
        failed_at = points.get(turn.turn_id, "correct")
        if failed_at != "correct":
            stats.failure_points[failed_at] += 1
        if bad or failed_at != "correct":
            failing[spoken(turn.heard)][failed_at if failed_at != "correct" else "not isolated"] += 1
        if turn.rewrite:
            wins, losses = stats.rewrites.get(turn.rewrite, (0, 0))
            stats.rewrites[turn.rewrite] = (wins + (not bad), losses + bad)
    stats.defect_rate_by_day = [(day, _rate(flags), len(flags)) for day, flags in days.items()]
    stats.top_failing = sorted(((text, sum(c.values()), c.most_common(1)[0][0]) for text, c in failing.items()),
                               key=lambda row: -row[1])[:TOP]
    stats.by_user = _breakdown(users)
    stats.by_device = _breakdown(devices)
    return stats


def _defects(traces: Sequence[TurnTrace]) -> dict[str, bool]:
    """Each turn's defect label from its feedback, per user and satellite conversation."""
    found: dict[str, bool] = {}
    for conversation in conversations(traces):
        heard = [(t, v) for t in conversation if (v := view_of(t))]
        for (turn, _), feedback in zip(heard, label([v for _, v in heard])):
            found[turn.turn_id] = feedback.defect
    return found


def _breakdown(groups: dict[str, list[bool]]) -> list[tuple[str, float, int]]:
    rows = [(name, _rate(flags), len(flags)) for name, flags in groups.items()]
    return sorted(rows, key=lambda row: (-row[1], row[0]))[:TOP]


def _rate(flags: list[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def _day(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d")
