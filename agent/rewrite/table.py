"""The precomputed rewrite table: a JSON file `ambient learn` writes and the agent reloads while it runs.

Besides the rules it keeps the ones taken out of service, with why: disabled by a person
(`ambient rewrites disable`) or retired because they lost too often. A new table from `ambient learn`
carries those over, so a retired rewrite stays retired.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.text import spoken
from agent.trace import RULE_PREFIX
from agent.turn import Rewrite

if TYPE_CHECKING:
    from agent.context import TurnContext

log = logging.getLogger(__name__)
FORMAT = 1
"""Version of the file format."""
CHECK_EVERY_S = 1.0
"""How often the rewriter looks whether the file changed (one `stat`)."""
RETIRE_MIN_LOSSES = 3
"""A rewrite is retired once it has lost at least this many times ..."""
RETIRE_LOSS_SHARE = 0.25
"""... and more than this share of the times it was applied."""


@dataclass(frozen=True)
class RewriteRule:
    """A precomputed rewrite: say `target` when the user says `source`."""

    source: str
    target: str
    probability: float
    """Absorption probability of the session into `target` succeeding, starting from `source`."""
    baseline: float
    """Absorption probability into `source` itself succeeding (what happens without the rewrite)."""
    support: float
    """Weight of the turns that said `source`."""


@dataclass
class RewriteTable:
    """The rules, and the sources taken out of service (source -> why)."""

    rules: list[RewriteRule] = field(default_factory=list)
    disabled: dict[str, str] = field(default_factory=dict)

    def active(self) -> dict[str, RewriteRule]:
        """The rules in service, by source."""
        return {rule.source: rule for rule in self.rules if rule.source not in self.disabled}


def save_table(path: Path, table: RewriteTable) -> None:
    """Write the table atomically (a running agent never reads half a file)."""
    data = {"format": FORMAT, "generated_at": time.time(), "rules": [asdict(rule) for rule in table.rules],
            "disabled": table.disabled}
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(partial, path)


def load_table(path: Path, missing_ok: bool = False) -> RewriteTable:
    """A table file; an empty table when it is missing and `missing_ok`; a clear error when it is not one."""
    if missing_ok and not path.exists():
        return RewriteTable()
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a rewrite table of format {FORMAT}")
        return RewriteTable([RewriteRule(**rule) for rule in data["rules"]], dict(data.get("disabled", {})))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{path}: cannot read the rewrite table: {exc}") from exc


def retirements(record: dict[str, tuple[int, int]]) -> dict[str, str]:
    """Sources to retire, with why, from each rule's (wins, losses) when applied."""
    return {source: f"retired: lost {losses} of {wins + losses} times"
            for source, (wins, losses) in record.items()
            if losses >= RETIRE_MIN_LOSSES and losses > RETIRE_LOSS_SHARE * (wins + losses)}


class PrecomputedRewriter:
    """Rewrites a request the table knows; picks up a new table within `CHECK_EVERY_S` of it being written.

    It also keeps score while running: a rewrite the user rejects (rephrases, interrupts, says no to) is a
    loss, and one that loses too often is retired at once, before the next `ambient learn`.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rules: dict[str, RewriteRule] = {}
        self.record: dict[str, tuple[int, int]] = {}
        """Source -> (wins, losses) since the agent started."""
        self._seen: tuple[int, int] | None = None
        self._checked = float("-inf")
        self.reload()

    def rewrite(self, text: str, ctx: TurnContext | None = None) -> Rewrite | None:
        if time.monotonic() - self._checked >= CHECK_EVERY_S:
            self.reload()
        rule = self.rules.get(spoken(text))
        if rule is None:
            return None
        return Rewrite(rule.target, text, f"{RULE_PREFIX}{rule.source}", rule.probability)

    def score(self, rule_id: str, won: bool) -> None:
        """Note how a rewrite this rewriter applied went; retire it when it loses too often."""
        source = rule_id.removeprefix(RULE_PREFIX)
        if not rule_id.startswith(RULE_PREFIX) or source not in self.rules:
            return
        wins, losses = self.record.get(source, (0, 0))
        self.record[source] = (wins + won, losses + (not won))
        why = retirements({source: self.record[source]}).get(source)
        if why is not None:
            rule = self.rules.pop(source)
            log.warning("retired the rewrite %r -> %r: %s", source, rule.target, why)

    def reload(self) -> None:
        """Load the table if the file changed since last time; keep the old one if the new one is unreadable."""
        self._checked = time.monotonic()
        try:
            stat = self.path.stat()
        except OSError:
            if self.rules:
                log.info("rewrite table %s is gone; no precomputed rewrites", self.path)
            self.rules, self._seen = {}, None
            return
        seen = (stat.st_mtime_ns, stat.st_size)
        if seen == self._seen:
            return
        self._seen = seen
        try:
            table = load_table(self.path)
        except ValueError as exc:
            log.error("%s; keeping the %d rules loaded before", exc, len(self.rules))
            return
        retired = set(retirements(self.record))
        self.rules = {source: rule for source, rule in table.active().items() if source not in retired}
        log.info("loaded %d precomputed rewrites from %s", len(self.rules), self.path)
