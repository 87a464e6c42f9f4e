"""Taught preferences in the turn log's database (table `preferences`), cached per user in memory."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from agent.log.migrate import migrate
from agent.log.schema import Preference
from agent.log.writer import make_engine

TEAM, CUISINE, MUSIC, LIKE, ALIAS, ROUTINE = "team", "cuisine", "music", "like", "alias", "routine"


@dataclass(frozen=True)
class Taught:
    """One thing a user taught."""

    id: int
    user: str
    kind: str
    key: str
    value: Any
    said: str
    created_at: float


class StoreUnavailable(RuntimeError):
    """The database cannot be read or written; nothing was changed."""


class PreferenceStore:
    """Each user's preferences; the agent is their writer, so reads come from memory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._cache: dict[str, list[Taught]] = {}
        """Everyone's preferences, read by `load`: a turn never waits for the database to read them."""
        self.loaded = False
        """Whether `load` has read them: until then (the database unreachable) nobody is known to have taught
        anything, and changes first try to load them."""

    def load(self) -> None:
        """Read everyone's preferences (creating or upgrading the table first); StoreUnavailable if it cannot."""
        try:
            migrate(self.engine)
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"cannot open the preferences at {self.url}: {exc}") from exc
        cache: dict[str, list[Taught]] = {}
        for row in self._run(lambda db: db.scalars(select(Preference).order_by(Preference.id)).all()):
            cache.setdefault(row.user, []).append(_taught(row))
        self._cache, self.loaded = cache, True

    def of(self, user: str) -> list[Taught]:
        """Everything `user` taught, oldest first (from memory: reading never fails)."""
        return list(self._cache.get(user, ()))

    def known(self, user: str) -> list[Taught]:
        """`of(user)`, loading first if need be: StoreUnavailable rather than "nothing" while unreachable."""
        if not self.loaded:
            self.load()
        return self.of(user)

    def find(self, user: str, kind: str) -> list[Taught]:
        return [t for t in self.of(user) if t.kind == kind]

    def add(self, user: str, kind: str, key: str, value: Any, said: str, at: float | None = None) -> Taught:
        """Remember it; a new value for the same kind and key replaces the old one."""
        self.known(user)
        def write(db: Session) -> Preference:
            db.execute(delete(Preference).where(Preference.user == user, Preference.kind == kind,
                                                Preference.key == key))
            row = Preference(user=user, kind=kind, key=key, value=value, said=said,
                             created_at=time.time() if at is None else at)
            db.add(row)
            db.flush()
            return row
        taught = _taught(self._run(write, commit=True))
        self._cache[user] = [t for t in self.of(user) if (t.kind, t.key) != (kind, key)] + [taught]
        return taught

    def forget_latest(self, user: str) -> Taught | None:
        """Delete the last thing `user` taught."""
        known = self.known(user)
        if not known:
            return None
        self._run(lambda db: db.execute(delete(Preference).where(Preference.id == known[-1].id)), commit=True)
        self._cache[user] = known[:-1]
        return known[-1]

    def forget_user(self, user: str) -> int:
        """Delete everything `user` taught; how many things that was."""
        self.known(user)
        count = self._run(lambda db: db.execute(delete(Preference).where(Preference.user == user)).rowcount,
                          commit=True)
        self._cache[user] = []
        return int(count or 0)

    def close(self) -> None:
        self.engine.dispose()

    def _run(self, work: Any, commit: bool = False) -> Any:
        try:
            with Session(self.engine, expire_on_commit=False) as db:
                done = work(db)
                if commit:
                    db.commit()
                return done
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"the preferences cannot be reached: {exc.__class__.__name__}") from exc


def _taught(row: Preference) -> Taught:
    return Taught(row.id, row.user, row.kind, row.key, row.value, row.said, row.created_at)
