"""The turn log writer: one background thread stores turns and device states in batches and loses none."""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine, create_engine, event, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session as OrmSession

from agent.log.migrate import migrate
from agent.log.schema import DeviceState, Session, Turn, turn_row
from agent.trace import TurnTrace, jsonable

log = logging.getLogger(__name__)

BATCH_ROWS = 200
"""Most rows written in one transaction."""
BATCH_WINDOW_S = 0.05
"""How long the writer keeps collecting rows after the first one arrives."""
SQLITE_BUSY_TIMEOUT_MS = 2000
FIRST_RETRY_S = 0.05


def default_db_url() -> str:
    """The default turn log: `ambient.db` in the working directory."""
    return "sqlite:///ambient.db"


def default_spool_path(url: str) -> Path:
    """Where rows go while the database is unwritable: next to a SQLite file, else in the working directory."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        db = Path(parsed.database).absolute()
        folder = db.parent if db.parent.is_dir() else Path.cwd()
        return folder / f"{db.name}.spool.jsonl"
    return Path.cwd() / f"ambient-{parsed.database or parsed.get_backend_name()}.spool.jsonl"


class LogStatus(StrEnum):
    """Health of the turn log."""

    OK = "ok"
    DEGRADED = "degraded"
    """The database cannot be written: rows are held in memory or in the spool file."""


@dataclass(frozen=True)
class _Row:
    """One queued row: a serialized trace (`turn`) or a device state (`state`)."""

    kind: str
    data: dict[str, Any]
    seq: int
    """Position in the queue; 0 for rows replayed from the spool."""


class TurnLog:
    """Stores turn traces and device states without blocking callers and without losing rows."""

    def __init__(
        self,
        url: str,
        *,
        spool_path: Path | None = None,
        retry_max_s: float = 5.0,
        spool_after_s: float = 10.0,
    ) -> None:
        self.url = url
        self.spool_path = spool_path or default_spool_path(url)
        """JSONL file holding rows the database did not take; replayed on the next successful write."""
        self._retry_max_s = retry_max_s
        self._spool_after_s = spool_after_s
        self._engine = make_engine(url)
        self._shown_url = self._engine.url.render_as_string(hide_password=True)
        self._queue: queue.SimpleQueue[_Row | None] = queue.SimpleQueue()
        self._enqueue_lock = threading.Lock()
        self._persisted_cond = threading.Condition()
        self._queued = 0
        self._persisted = 0
        self._closed = False
        self._thread: threading.Thread | None = None
        self._migrated = False
        self._status = LogStatus.OK
        self._outage_since = 0.0
        self._backoff = 0.0
        self._retry_at = 0.0
        self._spool_waiting = False
        self._spool_failing = False
        self._spooled_in_outage = False

    @property
    def status(self) -> LogStatus:
        """`ok`, or `degraded` while the database cannot be written."""
        return self._status

    def start(self) -> None:
        """Migrate the database (retried in the background if it fails) and start the writer thread."""
        if self._thread is not None:
            return
        self._spool_waiting = self.spool_path.exists()
        try:
            self._ensure_schema()
        except Exception as exc:  # noqa: BLE001 - any failure is an outage the writer retries
            self._failed(exc)
        self._thread = threading.Thread(target=self._run, name="turn-log-writer", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def record_turn(self, trace: TurnTrace) -> None:
        """Queue a finished turn (a snapshot is taken now); recording the same turn id again updates it."""
        self._put("turn", trace.to_dict())

    def record_state(self, device_id: str, ts: float, state: Any, available: bool | None = None) -> None:
        """Queue an observed device state."""
        self._put("state", {"device_id": device_id, "ts": ts, "state": jsonable(state), "available": available})

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every row queued so far is in the database or the spool; False on timeout."""
        with self._enqueue_lock:
            target = self._queued
        with self._persisted_cond:
            return self._persisted_cond.wait_for(lambda: self._persisted >= target, timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Write (or spool) everything queued and stop the writer thread."""
        with self._enqueue_lock:
            if self._closed:
                return
            self._closed = True
        if self._thread is None and self._queued:
            self.start()
        atexit.unregister(self.close)
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("turn log: writer still busy after %.0f s; %s", timeout, self._unsaved_note())
        self._engine.dispose()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _put(self, kind: str, data: dict[str, Any]) -> None:
        """Enqueue one row; never blocks on the database."""
        with self._enqueue_lock:
            if self._closed:
                raise RuntimeError("turn log is closed")
            self._queued += 1
            self._queue.put(_Row(kind, data, self._queued))

    def _run(self) -> None:
        """Writer thread: gather rows, write them, and spool them when an outage lasts."""
        pending: list[_Row] = []
        stopping = False
        while not stopping:
            stopping = self._gather(pending)
            if stopping or time.monotonic() >= self._retry_at:
                self._persist(pending)
            if pending and (stopping or time.monotonic() - self._outage_since >= self._spool_after_s):
                self._spool(pending)
        if pending:
            log.critical("turn log: %d rows could not be stored in %s nor in %s", len(pending), self._shown_url, self.spool_path)

    def _gather(self, pending: list[_Row]) -> bool:
        """Move queued rows into `pending`: wait for one, then collect for a batch window; True once closed."""
        try:
            row = self._queue.get(timeout=self._idle_timeout())
        except queue.Empty:
            return False
        deadline = time.monotonic() + BATCH_WINDOW_S
        taken = 0
        while row is not None:
            pending.append(row)
            taken += 1
            remaining = deadline - time.monotonic()
            if taken >= BATCH_ROWS or remaining <= 0:
                return False
            try:
                row = self._queue.get(timeout=remaining)
            except queue.Empty:
                return False
        return True

    def _idle_timeout(self) -> float | None:
        """How long the writer may wait for new rows: forever unless a retry is due."""
        if self._status is LogStatus.OK and not self._spool_waiting:
            return None
        return max(0.0, self._retry_at - time.monotonic())

    def _persist(self, pending: list[_Row]) -> None:
        """Migrate if needed, replay the spool, write `pending` batch by batch; on failure keep the rest and retry later."""
        if not pending and not self._spool_waiting and self._migrated:
            return
        try:
            self._ensure_schema()
            if self._spool_waiting:
                self._replay_spool()
            while pending:
                batch = pending[:BATCH_ROWS]
                self._write(batch)
                del pending[: len(batch)]
                self._mark_persisted(batch[-1].seq)
        except Exception as exc:  # noqa: BLE001 - any failure is an outage: rows are kept and retried
            self._failed(exc)
            return
        self._recovered()

    def _ensure_schema(self) -> None:
        """Run the migrations once per writer."""
        if not self._migrated:
            migrate(self._engine)
            self._migrated = True

    def _write(self, rows: list[_Row]) -> None:
        """Store rows in one transaction; turns are upserted by turn id, so replays are harmless."""
        with OrmSession(self._engine) as db, db.begin():
            for start in range(0, len(rows), BATCH_ROWS):
                chunk = rows[start : start + BATCH_ROWS]
                turns = {row.data["turn_id"]: turn_row(row.data) for row in chunk if row.kind == "turn"}
                states = [row.data for row in chunk if row.kind == "state"]
                if turns:
                    _upsert_sessions(db, turns.values())
                    existing = set(db.scalars(select(Turn.turn_id).where(Turn.turn_id.in_(turns))))
                    if new := [row for turn_id, row in turns.items() if turn_id not in existing]:
                        db.execute(insert(Turn), new)
                    if old := [row for turn_id, row in turns.items() if turn_id in existing]:
                        db.execute(update(Turn), old)
                if states:
                    db.execute(insert(DeviceState), states)

    def _replay_spool(self) -> None:
        """Write every spooled row in one transaction, then delete the spool."""
        rows: list[_Row] = []
        if not self.spool_path.exists():
            self._spool_waiting = False
            return
        with self.spool_path.open(encoding="utf-8") as spool:
            for number, line in enumerate(spool, 1):
                try:
                    item = json.loads(line)
                except json.JSONDecodeError:
                    log.warning("turn log: skipping unreadable line %d of %s", number, self.spool_path)
                    continue
                rows.append(_Row(item["kind"], item["data"], 0))
        self._write(rows)
        self.spool_path.unlink()
        self._spool_waiting = False
        log.info("turn log: replayed %d rows from %s into %s", len(rows), self.spool_path, self._shown_url)

    def _spool(self, pending: list[_Row]) -> None:
        """Append `pending` to the spool file; if even that fails, keep the rows in memory."""
        try:
            with self.spool_path.open("a", encoding="utf-8") as spool:
                spool.writelines(
                    json.dumps({"kind": row.kind, "data": row.data}, separators=(",", ":")) + "\n" for row in pending
                )
                spool.flush()
                os.fsync(spool.fileno())
        except OSError as exc:
            if not self._spool_failing:
                log.error("turn log: cannot write spool %s (%s); %s", self.spool_path, exc, self._unsaved_note())
                self._spool_failing = True
            return
        if not self._spooled_in_outage:
            log.info("turn log: database still unwritable; spooling rows to %s until it is back", self.spool_path)
            self._spooled_in_outage = True
        self._spool_failing = False
        self._spool_waiting = True
        self._mark_persisted(pending[-1].seq)
        pending.clear()

    def _mark_persisted(self, seq: int) -> None:
        """Rows up to `seq` are safe; wake `flush` callers."""
        with self._persisted_cond:
            self._persisted = max(self._persisted, seq)
            self._persisted_cond.notify_all()

    def _failed(self, exc: Exception) -> None:
        """Note a failed write: log once per outage, back off exponentially."""
        now = time.monotonic()
        if self._status is LogStatus.OK:
            self._status = LogStatus.DEGRADED
            self._outage_since = now
            self._backoff = FIRST_RETRY_S
            log.error(
                "turn log: cannot write to %s (%s); keeping turns, retrying, and spooling to %s after %.0f s",
                self._shown_url,
                exc.orig if isinstance(exc, DBAPIError) else exc,
                self.spool_path,
                self._spool_after_s,
                exc_info=not isinstance(exc, (SQLAlchemyError, OSError)),
            )
        else:
            self._backoff = min(self._backoff * 2, self._retry_max_s)
        self._retry_at = now + self._backoff

    def _recovered(self) -> None:
        """Note a successful write: end the outage, if any."""
        if self._status is LogStatus.DEGRADED:
            log.warning("turn log: %s writable again after %.1f s", self._shown_url, time.monotonic() - self._outage_since)
            self._status = LogStatus.OK
            self._spooled_in_outage = False
            self._retry_at = 0.0

    def _unsaved_note(self) -> str:
        """How many queued rows are not yet stored anywhere."""
        return f"{self._queued - self._persisted} rows held in memory only"


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and enforced foreign keys."""
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Per-connection SQLite settings."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _upsert_sessions(db: OrmSession, turns: Iterable[dict[str, Any]]) -> None:
    """Create the session rows of new session ids and stretch the span of known ones."""
    spans: dict[str, dict[str, Any]] = {}
    for turn in turns:
        if not turn["session_id"]:
            continue
        span = spans.setdefault(
            turn["session_id"],
            {"id": turn["session_id"], "user": turn["user"], "device": turn["device"],
             "started_at": turn["started_at"], "ended_at": turn["ended_at"]},
        )
        span["started_at"] = min(span["started_at"], turn["started_at"])
        span["ended_at"] = _latest(span["ended_at"], turn["ended_at"])
    if not spans:
        return
    known = {s.id: s for s in db.scalars(select(Session).where(Session.id.in_(spans)))}
    for session_id, span in spans.items():
        if (row := known.get(session_id)) is None:
            db.add(Session(**span))
        else:
            row.started_at = min(row.started_at, span["started_at"])
            row.ended_at = _latest(row.ended_at, span["ended_at"])
    db.flush()


def _latest(a: float | None, b: float | None) -> float | None:
    """The later of two optional timestamps."""
    return b if a is None else a if b is None else max(a, b)
