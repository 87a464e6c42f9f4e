"""Mining the turn log into precomputed rewrites: stream every user's turns, label them, fill the chain.

Only the columns the chain needs are read, user by user in time order (the log's (user, started_at)
index), so memory holds one user's turns and the chain, never the log. Turns that a rewrite already changed
are weighed down when they succeed (`REWRITTEN_WEIGHT`): the learner must not reinforce its own rewrites
(Ponnusamy et al. 2022, "self-aware" self-learning); when they fail they count fully.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import create_engine, select

from agent.feedback.rephrase import TurnView
from agent.feedback.signals import label
from agent.learn.markov import Chain, RewriteRule
from agent.log.schema import Turn
from agent.nlu.jsgf import words_of

REWRITTEN_WEIGHT = 0.25
"""Weight of a rewritten turn's success: evidence the learner produced itself."""
PRECOMPUTED = "precomputed:"
"""Prefix of the precomputed rewriter's rule ids (see agent.rewrite.table)."""
READ_BATCH = 20_000
"""Rows fetched from the database at a time."""


@dataclass(frozen=True)
class LoggedTurn:
    """A turn as the miner reads it: what was said, what it became, and how it went."""

    view: TurnView
    rewritten: str | None = None
    """The text NLU saw, when a rewrite changed it."""
    rule: str | None = None
    """The rewrite rule that changed it."""


@dataclass
class Mined:
    """What the log taught: the rules, and how each rewrite already in service did."""

    rules: list[RewriteRule]
    record: dict[str, tuple[int, int]]
    """Rewrite source -> (wins, losses) of the turns it rewrote."""


def read_turns(url: str) -> Iterator[LoggedTurn]:
    """Every logged turn with a transcript, user by user, in time order."""
    engine = create_engine(url)
    try:
        with engine.connect() as db:
            query = select(Turn.user, Turn.device, Turn.started_at, Turn.ended_at, Turn.transcript,
                           Turn.rewritten_text, Turn.rewrite_rule, Turn.intent, Turn.outcome, Turn.barged_in
                           ).order_by(Turn.user, Turn.started_at)
            for row in db.execution_options(yield_per=READ_BATCH).execute(query):
                if not row.transcript:
                    continue
                view = TurnView(row.transcript, row.started_at, row.ended_at or row.started_at, row.outcome,
                                row.intent, bool(row.barged_in), row.user, row.device)
                rule = row.rewrite_rule if row.rewrite_rule and row.rewrite_rule.startswith(PRECOMPUTED) else None
                yield LoggedTurn(view, row.rewritten_text if rule else None, rule)
    finally:
        engine.dispose()


def conversations(turns: Iterable[LoggedTurn]) -> Iterator[list[LoggedTurn]]:
    """Each user's turns on each satellite, in time order (input ordered by user, then time)."""
    user: str | None = None
    by_device: dict[str, list[LoggedTurn]] = {}
    for turn in turns:
        if turn.view.user != user:
            yield from by_device.values()
            user, by_device = turn.view.user, {}
        by_device.setdefault(turn.view.device, []).append(turn)
    yield from by_device.values()


def fill(chain: Chain, conversation: list[LoggedTurn], record: dict[str, tuple[int, int]] | None = None) -> None:
    """Add one conversation's turns to the chain, and each rewritten turn's win or loss to `record`."""
    feedback = label([t.view for t in conversation])
    for i, (turn, said) in enumerate(zip(conversation, feedback)):
        source = spoken(turn.view.text)
        if turn.rule is not None and record is not None:
            wins, losses = record.get(turn.rule.removeprefix(PRECOMPUTED), (0, 0))
            lost = said.defect or said.declined or turn.view.failed
            record[turn.rule.removeprefix(PRECOMPUTED)] = (wins + (not lost), losses + lost)
        if said.rephrased:
            chain.rephrase(source, spoken(conversation[i + 1].view.text))
        elif said.defect or said.fallback or turn.view.failed:
            chain.fail(source)
        elif turn.rewritten is not None:
            chain.succeed(source, spoken(turn.rewritten), REWRITTEN_WEIGHT)
        else:
            chain.succeed(source, source)


def mine(turns: Iterable[LoggedTurn], min_support: float = 3.0, min_probability: float = 0.6) -> Mined:
    """Precomputed rewrites from logged turns, and the record of those already applied."""
    chain = Chain()
    record: dict[str, tuple[int, int]] = {}
    for conversation in conversations(turns):
        fill(chain, conversation, record)
    return Mined(chain.solve(min_support, min_probability), record)


def spoken(text: str) -> str:
    """An utterance as the chain's state: its spoken words."""
    return " ".join(words_of(text))
