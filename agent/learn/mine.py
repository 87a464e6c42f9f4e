"""Mining the turn log into precomputed rewrites: stream every user's turns, label them, fill the chain.

Only the columns the chain needs are read, user by user in time order (the log's (user, started_at)
index), so memory holds one user's turns and the chain, never the log. Turns that a rewrite already changed
are weighed down when they succeed (`REWRITTEN_WEIGHT`): the learner must not reinforce its own rewrites
(Ponnusamy et al. 2022, "self-aware" self-learning); when they fail they count fully.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from agent.feedback.signals import Feedback, label
from agent.learn.markov import Chain
from agent.log.reader import LoggedTurn, conversations, read_turns
from agent.rewrite.table import (
    RewriteRule,
    RewriteTable,
    load_table,
    retirements,
    save_table,
)
from agent.text import spoken
from agent.trace import RULE_PREFIX as PRECOMPUTED

REWRITTEN_WEIGHT = 0.25
"""Weight of a rewritten turn's success: evidence the learner produced itself."""


@dataclass
class Mined:
    """What the log taught: the rules, and how each rewrite already in service did."""

    rules: list[RewriteRule]
    record: dict[str, tuple[int, int]]
    """Rewrite source -> (wins, losses) of the turns it rewrote."""


def fill(chain: Chain, conversation: list[LoggedTurn], record: dict[str, tuple[int, int]] | None = None) -> None:
    """Add one conversation's turns to the chain, and each rewritten turn's win or loss to `record`."""
    feedback = label([t.view for t in conversation])
    for i, (turn, said) in enumerate(zip(conversation, feedback)):
        source = spoken(turn.view.text)
        if record is not None:
            _tally(record, turn, said)
        if said.rephrased:
            chain.rephrase(source, spoken(conversation[i + 1].view.text))
        elif said.defect or said.fallback or turn.view.failed:
            chain.fail(source)
        elif turn.rewritten is not None:
            chain.succeed(source, spoken(turn.rewritten), REWRITTEN_WEIGHT)
        else:
            chain.succeed(source, source)


def applied(turns: Iterable[LoggedTurn]) -> dict[str, tuple[int, int]]:
    """How the rewrites already in service did: source -> (wins, losses), without building the chain."""
    record: dict[str, tuple[int, int]] = {}
    for conversation in conversations(turns):
        for turn, said in zip(conversation, label([t.view for t in conversation])):
            _tally(record, turn, said)
    return record


def _tally(record: dict[str, tuple[int, int]], turn: LoggedTurn, said: Feedback) -> None:
    """Count a rewritten turn as a win or a loss of its rewrite."""
    if turn.rule is None:
        return
    source = turn.rule.removeprefix(PRECOMPUTED)
    wins, losses = record.get(source, (0, 0))
    lost = said.defect or said.declined or turn.view.failed
    record[source] = (wins + (not lost), losses + lost)


def mine(turns: Iterable[LoggedTurn], min_support: float = 3.0, min_probability: float = 0.6) -> Mined:
    """Precomputed rewrites from logged turns, and the record of those already applied."""
    chain = Chain()
    record: dict[str, tuple[int, int]] = {}
    for conversation in conversations(turns):
        fill(chain, conversation, record)
    return Mined(chain.solve(min_support, min_probability), record)


def relearn(url: str, path: Path, min_support: float = 3.0, min_probability: float = 0.6
            ) -> tuple[RewriteTable, dict[str, str]]:
    """`ambient learn`: mine the log into a new table at `path`, retiring rewrites that lost and keeping out
    the ones people disabled (listed, with why); returns the table and the newly retired (source -> why)."""
    before = load_table(path, missing_ok=True)
    mined = mine(read_turns(url), min_support, min_probability)
    retired = {s: why for s, why in retirements(mined.record).items() if s not in before.disabled}
    disabled = before.disabled | retired
    learned = {rule.source for rule in mined.rules}
    kept = [rule for rule in before.rules if rule.source in disabled and rule.source not in learned]
    table = RewriteTable(mined.rules + kept, disabled)
    save_table(path, table)
    return table, retired
