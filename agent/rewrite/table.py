"""The precomputed rewrite table: a JSON file `ambient learn` writes and the agent reloads while it runs."""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from agent.learn.markov import RewriteRule
from agent.learn.mine import spoken
from agent.turn import Rewrite

log = logging.getLogger(__name__)
FORMAT = 1
"""Version of the file format."""
CHECK_EVERY_S = 1.0
"""How often the rewriter looks whether the file changed (one `stat`)."""
RULE_PREFIX = "precomputed:"
"""Rule identifiers in traces are `precomputed:<source utterance>`."""


def save_rules(path: Path, rules: list[RewriteRule]) -> None:
    """Write the table atomically (a running agent never reads half a file)."""
    data = {"format": FORMAT, "generated_at": time.time(), "rules": [asdict(rule) for rule in rules]}
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(partial, path)


def load_rules(path: Path) -> list[RewriteRule]:
    """The rules of a table file; a clear error when it is not one."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a rewrite table of format {FORMAT}")
        return [RewriteRule(**rule) for rule in data["rules"]]
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{path}: cannot read the rewrite table: {exc}") from exc


class PrecomputedRewriter:
    """Rewrites a request the table knows; picks up a new table within `CHECK_EVERY_S` of it being written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rules: dict[str, RewriteRule] = {}
        self._seen: tuple[int, int] | None = None
        self._checked = float("-inf")
        self.reload()

    def rewrite(self, text: str, ctx: Any = None) -> Rewrite | None:
        if time.monotonic() - self._checked >= CHECK_EVERY_S:
            self.reload()
        rule = self.rules.get(spoken(text))
        if rule is None:
            return None
        return Rewrite(rule.target, text, f"{RULE_PREFIX}{rule.source}", rule.probability)

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
            self.rules = {rule.source: rule for rule in load_rules(self.path)}
        except ValueError as exc:
            log.error("%s; keeping the %d rules loaded before", exc, len(self.rules))
            return
        log.info("loaded %d precomputed rewrites from %s", len(self.rules), self.path)
