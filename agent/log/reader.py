"""Small read-only queries over the turn log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, func, select

from agent.log.schema import Turn
from agent.trace import TurnTrace


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


def count_turns(url: str) -> int:
    """How many turns the log holds."""
    with _engine(url) as engine, engine.connect() as db:
        return db.scalar(select(func.count()).select_from(Turn)) or 0
