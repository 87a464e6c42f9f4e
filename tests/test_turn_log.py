"""The turn log on real databases: round trips, batching from the event loop, outages, migrations."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from agent.log.migrate import current_revision, head_revision, migrate
from agent.log.reader import count_turns, recent_turns
from agent.log.schema import Base
from agent.log.writer import LogStatus, TurnLog
from agent.trace import Stage, StageRecord, TurnTrace

WRITER_LOGGER = "agent.log.writer"


def make_trace(n: int = 0, session_id: str = "s1") -> TurnTrace:
    """A complete trace: every stage, JSON outputs, a stage error."""
    start = 1_700_000_000.0 + n
    return TurnTrace(
        user="alice",
        device="kitchen-satellite",
        area="kitchen",
        started_at=start,
        ended_at=start + 0.8,
        session_id=session_id,
        turn_id=f"turn-{n:05d}",
        stages=[
            StageRecord(Stage.WAKE, None, {"phrase": "hey home", "score": 0.93, "remainder": ""}, 0.93, 11.5),
            StageRecord(Stage.ASR, None, {"text": "turn on the kichen light", "confidence": 0.71, "alternatives": ["turn on the kitchen light"]}, 0.71, 240.25),
            StageRecord(Stage.REWRITE, "turn on the kichen light", {"text": "turn on the kitchen light", "original": "turn on the kichen light", "rule": "precomputed:17", "confidence": 0.9}, 0.9, 1.5),
            StageRecord(Stage.NLU, "turn on the kitchen light", {"name": "HassTurnOn", "slots": {"name": "kitchen light"}}, 0.88, 7.75),
            StageRecord(Stage.RESOLVE, {"name": "kitchen light"}, {"devices": ["light.kitchen"]}, 0.97, 2.0),
            StageRecord(Stage.RESULT, None, {"speech": "The kitchen light is on."}, None, 120.0, error="device did not confirm"),
            StageRecord(Stage.TTS, "The kitchen light is on.", {"path": None, "duration_s": 1.4}, None, 35.5),
        ],
        intent="HassTurnOn",
        slots={"name": "kitchen light", "brightness": 80},
        devices=["light.kitchen"],
        response="The kitchen light is on.",
        outcome="unconfirmed",
        rewrite="precomputed:17",
        barged_in=True,
        rephrase_of="turn-00000" if n else None,
    )


def wait_for(predicate: Callable[[], bool], timeout: float = 15.0) -> bool:
    """Poll `predicate` until it holds or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def writer_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == WRITER_LOGGER and r.levelno >= logging.ERROR]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'turns.db'}"


def test_trace_round_trips(db_url: str) -> None:
    first, second = make_trace(0), make_trace(1)
    with TurnLog(db_url) as log:
        log.record_turn(first)
        log.record_turn(second)
        log.record_state("light.kitchen", 1_700_000_000.5, {"state": "on", "brightness": 80}, available=True)
        assert log.flush(10)
        assert log.status is LogStatus.OK

    assert count_turns(db_url) == 2
    newest, oldest = recent_turns(db_url)
    assert (newest, oldest) == (second, first)
    assert oldest.to_dict() == first.to_dict()

    engine = create_engine(db_url)
    with engine.connect() as db:
        row = db.execute(text("SELECT * FROM turns WHERE turn_id = 'turn-00001'")).mappings().one()
        session = db.execute(text("SELECT * FROM sessions")).mappings().one()
        state = db.execute(text("SELECT * FROM device_states")).mappings().one()
    engine.dispose()
    assert [row[f"{stage.value}_ms"] for stage in Stage] == [11.5, 240.25, 1.5, 7.75, 2.0, 120.0, 35.5]
    assert row["transcript"] == "turn on the kichen light"
    assert row["rewritten_text"] == "turn on the kitchen light"
    assert row["rewrite_rule"] == "precomputed:17"
    assert (row["intent"], row["intent_confidence"], row["asr_confidence"]) == ("HassTurnOn", 0.88, 0.71)
    assert json.loads(row["slots"]) == {"name": "kitchen light", "brightness": 80}
    assert json.loads(row["devices"]) == ["light.kitchen"]
    assert row["error"] == "result: device did not confirm"
    assert (row["barged_in"], row["rephrase_of"], row["session_id"]) == (1, "turn-00000", "s1")
    assert json.loads(row["trace"]) == second.to_dict()
    assert (session["id"], session["user"], session["started_at"], session["ended_at"]) == (
        "s1", "alice", first.started_at, second.ended_at,
    )
    assert (state["device_id"], json.loads(state["state"]), state["available"]) == (
        "light.kitchen", {"state": "on", "brightness": 80}, 1,
    )


def test_recording_the_same_turn_again_updates_it(db_url: str) -> None:
    trace = make_trace(0)
    with TurnLog(db_url) as log:
        log.record_turn(trace)
        assert log.flush(10)
        trace.barged_in = False
        trace.outcome = "success"
        log.record_turn(trace)
    assert recent_turns(db_url) == [trace]


async def test_thousand_turns_from_the_event_loop(db_url: str) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    log = TurnLog(db_url)
    log.start()
    tick_task = asyncio.create_task(ticker())
    for n in range(1000):
        log.record_turn(make_trace(n, session_id=f"s{n // 10}"))
        if n % 50 == 0:
            await asyncio.sleep(0)
    assert await asyncio.to_thread(log.flush, 30)
    tick_task.cancel()
    await asyncio.to_thread(log.close)

    assert ticks >= 20
    assert count_turns(db_url) == 1000
    assert {t.turn_id for t in recent_turns(db_url, limit=2000)} == {f"turn-{n:05d}" for n in range(1000)}
    engine = create_engine(db_url)
    with engine.connect() as db:
        assert db.scalar(text("SELECT count(*) FROM sessions")) == 100
    engine.dispose()


@pytest.mark.parametrize("spool_after_s", [60.0, 0.0], ids=["held-in-memory", "spooled-then-replayed"])
def test_locked_database_keeps_turns(tmp_path: Path, db_url: str, spool_after_s: float, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=WRITER_LOGGER)
    log = TurnLog(db_url, retry_max_s=0.1, spool_after_s=spool_after_s)
    log.start()
    locker = sqlite3.connect(tmp_path / "turns.db", isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        for n in range(5):
            log.record_turn(make_trace(n))
        assert wait_for(lambda: log.status is LogStatus.DEGRADED)
        time.sleep(2.5)  # several more failed retries while locked
        assert locker.execute("SELECT count(*) FROM turns").fetchone() == (0,)
        assert len(writer_errors(caplog)) == 1
        assert "cannot write to sqlite:///" in writer_errors(caplog)[0].getMessage()
    finally:
        locker.execute("ROLLBACK")
        locker.close()

    assert log.flush(15)
    assert wait_for(lambda: log.status is LogStatus.OK and count_turns(db_url) == 5)
    log.close()
    assert not log.spool_path.exists()
    assert len(writer_errors(caplog)) == 1


@pytest.mark.parametrize("bad", ["missing-dir/turns.db", "a-directory"])
def test_unwritable_database_spools_and_replays_on_restart(
    tmp_path: Path, bad: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()
    (tmp_path / "a-directory").mkdir()
    monkeypatch.chdir(workdir)
    bad_log = TurnLog(f"sqlite:///{tmp_path / bad}", retry_max_s=0.05)
    bad_log.start()
    for n in range(3):
        bad_log.record_turn(make_trace(n))
    bad_log.record_state("light.kitchen", 1.0, {"state": "on"})
    assert bad_log.status is LogStatus.DEGRADED
    bad_log.close()

    expected_spool = workdir / "turns.db.spool.jsonl" if bad.startswith("missing") else tmp_path / "a-directory.spool.jsonl"
    assert bad_log.spool_path == expected_spool
    lines = [json.loads(line) for line in expected_spool.read_text().splitlines()]
    assert [line["kind"] for line in lines] == ["turn", "turn", "turn", "state"]
    assert len(writer_errors(caplog)) == 1

    good_url = f"sqlite:///{tmp_path / 'good.db'}"
    with TurnLog(good_url, spool_path=expected_spool) as good_log:
        good_log.record_turn(make_trace(3))
    assert count_turns(good_url) == 4
    assert recent_turns(good_url)[-1] == make_trace(0)
    assert not expected_spool.exists()


def assert_schema_at_head(url: str) -> None:
    """The database is at the newest revision and matches the models exactly."""
    assert current_revision(url) == head_revision() == "0003"
    engine = create_engine(url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        indexes = {index["name"] for index in inspect(connection).get_indexes("turns")}
    engine.dispose()
    assert {"ix_turns_user_started_at", "ix_turns_started_at"} <= indexes


def test_migration_creates_schema_at_head(db_url: str) -> None:
    assert current_revision(db_url) is None
    migrate(db_url)
    migrate(db_url)  # idempotent
    assert_schema_at_head(db_url)


def test_postgresql_migrate_record_and_read(postgres_url: str, tmp_path: Path) -> None:
    migrate(postgres_url)
    assert_schema_at_head(postgres_url)
    traces = [make_trace(n, session_id=f"pg{n // 2}") for n in range(4)]
    with TurnLog(postgres_url, spool_path=tmp_path / "pg.spool.jsonl") as log:
        for trace in traces:
            log.record_turn(trace)
        log.record_state("light.kitchen", 2.0, {"state": "off"}, available=False)
        assert log.flush(10)
        assert log.status is LogStatus.OK
    assert count_turns(postgres_url) == 4
    assert recent_turns(postgres_url) == traces[::-1]
    engine = create_engine(postgres_url)
    with engine.connect() as db:
        assert db.scalar(text("SELECT count(*) FROM sessions")) == 2
        assert db.scalar(text("SELECT tts_ms FROM turns WHERE turn_id = 'turn-00003'")) == 35.5
        assert db.scalar(text("SELECT available FROM device_states")) is False
    engine.dispose()
