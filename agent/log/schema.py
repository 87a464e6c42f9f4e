"""Turn log tables: sessions, turns (one row per turn trace), device states, and what users taught."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from agent.trace import Stage


class Base(DeclarativeBase):
    """Declarative base of the turn log; `Base.metadata` is the migration target."""


class Session(Base):
    """A conversation: consecutive turns sharing a session id."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    user: Mapped[str] = mapped_column(String)
    device: Mapped[str] = mapped_column(String)
    started_at: Mapped[float] = mapped_column(Float)
    """Epoch seconds, like every timestamp in the log."""
    ended_at: Mapped[float | None] = mapped_column(Float)


class Turn(Base):
    """One turn: the trace's columns for querying, plus the full trace as JSON."""

    __tablename__ = "turns"
    __table_args__ = (
        Index("ix_turns_user_started_at", "user", "started_at"),
        Index("ix_turns_started_at", "started_at"),
    )

    turn_id: Mapped[str] = mapped_column(String, primary_key=True)
    session_id: Mapped[str | None] = mapped_column(ForeignKey("sessions.id"))
    user: Mapped[str] = mapped_column(String)
    device: Mapped[str] = mapped_column(String)
    area: Mapped[str | None] = mapped_column(String)
    started_at: Mapped[float] = mapped_column(Float)
    ended_at: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)
    transcript: Mapped[str | None] = mapped_column(Text)
    rewritten_text: Mapped[str | None] = mapped_column(Text)
    rewrite_rule: Mapped[str | None] = mapped_column(String)
    intent: Mapped[str | None] = mapped_column(String)
    slots: Mapped[dict[str, Any]] = mapped_column(JSON)
    intent_confidence: Mapped[float | None] = mapped_column(Float)
    asr_confidence: Mapped[float | None] = mapped_column(Float)
    devices: Mapped[list[str]] = mapped_column(JSON)
    response: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String)
    barged_in: Mapped[bool] = mapped_column(Boolean)
    rephrase_of: Mapped[str | None] = mapped_column(String)
    just_happened: Mapped[str | None] = mapped_column(String)
    wake_ms: Mapped[float | None] = mapped_column(Float)
    asr_ms: Mapped[float | None] = mapped_column(Float)
    rewrite_ms: Mapped[float | None] = mapped_column(Float)
    nlu_ms: Mapped[float | None] = mapped_column(Float)
    resolve_ms: Mapped[float | None] = mapped_column(Float)
    result_ms: Mapped[float | None] = mapped_column(Float)
    tts_ms: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    """The first stage error, as `stage: message`."""
    trace: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The full `TurnTrace.to_dict()`."""


class DeviceState(Base):
    """One observed device state (retained MQTT state or availability change)."""

    __tablename__ = "device_states"
    __table_args__ = (Index("ix_device_states_device_id_ts", "device_id", "ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String)
    ts: Mapped[float] = mapped_column(Float)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    available: Mapped[bool | None] = mapped_column(Boolean)


class Preference(Base):
    """Something a user taught the agent (a team, a taste, a name for a device, a routine); deleted when they
    ask the agent to forget it."""

    __tablename__ = "preferences"
    __table_args__ = (Index("ix_preferences_user", "user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user: Mapped[str] = mapped_column(String)
    kind: Mapped[str] = mapped_column(String)
    """team, cuisine, music, like, alias or routine."""
    key: Mapped[str] = mapped_column(String)
    """What it is about (the alias said, the routine's trigger; the kind again for a taste)."""
    value: Mapped[Any] = mapped_column(JSON)
    said: Mapped[str] = mapped_column(Text)
    """The user's words when they taught it."""
    created_at: Mapped[float] = mapped_column(Float)


LATENCY_COLUMNS: dict[Stage, str] = {stage: f"{stage.value}_ms" for stage in Stage}
"""The latency column of each stage."""


def turn_row(trace: dict[str, Any]) -> dict[str, Any]:
    """The `turns` row of a serialized trace (`TurnTrace.to_dict()`)."""
    records = {r["stage"]: r for r in trace.get("stages", [])}
    asr = records.get(Stage.ASR.value, {})
    rewrite = records.get(Stage.REWRITE.value, {})
    nlu = records.get(Stage.NLU.value, {})
    first_error = next((r for r in trace.get("stages", []) if r.get("error")), None)
    return {
        "turn_id": trace["turn_id"],
        "session_id": trace.get("session_id") or None,
        "user": trace["user"],
        "device": trace["device"],
        "area": trace.get("area"),
        "started_at": trace["started_at"],
        "ended_at": trace.get("ended_at"),
        "text": trace.get("text"),
        "transcript": _text_of(asr.get("output")),
        "rewritten_text": _text_of(rewrite.get("output")),
        "rewrite_rule": trace.get("rewrite") or _field(rewrite.get("output"), "rule"),
        "intent": trace.get("intent"),
        "slots": trace.get("slots") or {},
        "intent_confidence": nlu.get("confidence"),
        "asr_confidence": asr.get("confidence"),
        "devices": trace.get("devices") or [],
        "response": trace.get("response", ""),
        "outcome": trace.get("outcome") or "",
        "barged_in": bool(trace.get("barged_in")),
        "rephrase_of": trace.get("rephrase_of"),
        "just_happened": trace.get("just_happened"),
        **{column: records.get(stage.value, {}).get("latency_ms") for stage, column in LATENCY_COLUMNS.items()},
        "error": f"{first_error['stage']}: {first_error['error']}" if first_error else None,
        "trace": trace,
    }


def _field(output: Any, name: str) -> Any:
    """`output[name]` when the stage output is a JSON object, else None."""
    return output.get(name) if isinstance(output, dict) else None


def _text_of(output: Any) -> str | None:
    """The text of a stage output: a plain string, or the `text` field of an object."""
    return output if isinstance(output, str) else _field(output, "text")
