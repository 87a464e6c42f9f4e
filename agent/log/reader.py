"""Small read-only queries over the turn log."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from agent.feedback.rephrase import TurnView
from agent.log.schema import Turn
from agent.trace import RULE_PREFIX, TurnTrace
from agent.turn import Outcome

READ_BATCH = 20_000
"""Rows fetched from the database at a time."""


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    """A short-lived engine for one query."""
    engine = create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def recent_turns(url: str, limit: int = 50) -> list[TurnTrace]:
    """The latest `limit` turns, newest first."""
    with _engine(url) as engine, engine.connect() as db:
        rows = db.scalars(select(Turn.trace).order_by(Turn.started_at.desc()).limit(limit))
        return [TurnTrace.from_dict(trace) for trace in rows]


def find_turn(url: str, turn_id: str) -> TurnTrace | None:
    """The logged turn `turn_id` (or the one turn whose id starts with it), None when there is none."""
    try:
        with _engine(url) as engine, engine.connect() as db:
            rows = db.scalars(select(Turn.trace).where(Turn.turn_id.startswith(turn_id)).limit(2)).all()
    except SQLAlchemyError as exc:
        raise LogUnreadable(f"cannot read the turn log at {url}: {database_error(exc)}") from exc
    return TurnTrace.from_dict(rows[0]) if len(rows) == 1 else None


def all_traces(url: str) -> Iterator[TurnTrace]:
    """Every logged turn's full trace, in time order."""
    try:
        with _engine(url) as engine, engine.connect() as db:
            rows = db.execution_options(yield_per=READ_BATCH).scalars(select(Turn.trace).order_by(Turn.started_at))
            for trace in rows:
                yield TurnTrace.from_dict(trace)
    except SQLAlchemyError as exc:
        raise LogUnreadable(f"cannot read the turn log at {url}: {database_error(exc)}") from exc


def count_turns(url: str) -> int:
    """How many turns the log holds."""
    with _engine(url) as engine, engine.connect() as db:
        return db.scalar(select(func.count()).select_from(Turn)) or 0


@dataclass(frozen=True)
class LoggedTurn:
    """A turn as the miner reads it: what was said, what it became, and how it went."""

    view: TurnView
    rewritten: str | None = None
    """The text NLU saw, when a rewrite (precomputed or online) changed it."""
    rule: str | None = None
    """The precomputed rewrite rule that changed it."""
    devices: tuple[str, ...] = ()
    """The devices it acted on or read."""
    slots: dict[str, Any] = field(default_factory=dict)
    area: str | None = None
    """The area of the satellite it was said to."""
    just_happened: str | None = None
    """What had just happened in the home (see `moments`)."""


def database_error(exc: Exception) -> str:
    """What went wrong with a database, as its driver says it (without SQLAlchemy's wrapping and links)."""
    return str(getattr(exc, "orig", None) or exc)


class LogUnreadable(ValueError):
    """The turn log cannot be read (no such database, no turns table, no connection)."""


def read_turns(url: str, recent: int | None = None, context: bool = False) -> Iterator[LoggedTurn]:
    """Every logged turn with a transcript (or the `recent` latest), user by user, in time order; with
    `context`, also what each acted on, its slots, area and moment (JSON to decode: mining does without)."""
    try:
        yield from _read_turns(url, recent, context)
    except SQLAlchemyError as exc:
        raise LogUnreadable(f"cannot read the turn log at {url}: {database_error(exc)}") from exc


def _read_turns(url: str, recent: int | None, context: bool) -> Iterator[LoggedTurn]:
    engine = create_engine(url)
    extra = (Turn.devices, Turn.slots, Turn.area, Turn.just_happened) if context else ()
    try:
        with engine.connect() as db:
            query = select(Turn.user, Turn.device, Turn.started_at, Turn.ended_at, Turn.transcript,
                           Turn.rewritten_text, Turn.rewrite_rule, Turn.intent, Turn.outcome, Turn.barged_in,
                           *extra).order_by(Turn.user, Turn.started_at)
            if recent is not None:
                latest = select(Turn.turn_id).order_by(Turn.started_at.desc()).limit(recent)
                query = query.where(Turn.turn_id.in_(latest.scalar_subquery()))
            for row in db.execution_options(yield_per=READ_BATCH).execute(query):
                if not row.transcript:
                    continue
                view = TurnView(row.transcript, row.started_at, row.ended_at or row.started_at,
                                Outcome(row.outcome) if row.outcome else None,
                                row.intent, bool(row.barged_in), row.user, row.device)
                rule = row.rewrite_rule if row.rewrite_rule and row.rewrite_rule.startswith(RULE_PREFIX) else None
                found = {"devices": tuple(row.devices or ()), "slots": dict(row.slots or {}), "area": row.area,
                         "just_happened": row.just_happened} if context else {}
                yield LoggedTurn(view, row.rewritten_text if row.rewrite_rule else None, rule, **found)
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
