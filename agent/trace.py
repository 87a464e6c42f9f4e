"""The turn trace: every stage's input, output, confidence, latency and error for one turn."""

from __future__ import annotations

import dataclasses
import json
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from agent.turn import Outcome


class Stage(StrEnum):
    """Pipeline stages, in order."""

    WAKE = "wake"
    ASR = "asr"
    REWRITE = "rewrite"
    NLU = "nlu"
    RESOLVE = "resolve"
    RESULT = "result"
    TTS = "tts"


STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)


@dataclass
class StageRecord:
    """What one stage did in one turn."""

    stage: Stage
    input: Any
    output: Any
    confidence: float | None
    latency_ms: float
    error: str | None = None


@dataclass
class TurnEvent:
    """One event of the turn as it was published (`agent.pipeline.EVENT_OF`): its name, when (ms after the run
    began) and what it carried."""

    name: str
    at_ms: float
    data: dict[str, Any]


RULE_PREFIX = "precomputed:"
"""The precomputed rewrite table's rule identifiers in traces are `precomputed:<source utterance>`."""


@dataclass
class TurnTrace:
    """One turn, end to end. Serializable to JSON; stored in the turn log."""

    user: str
    device: str
    """The satellite the user spoke to."""
    area: str | None
    started_at: float
    session_id: str = ""
    turn_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    ended_at: float | None = None
    stages: list[StageRecord] = field(default_factory=list)
    text: str | None = None
    """Text input, in text mode."""
    intent: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    devices: list[str] = field(default_factory=list)
    """Devices the result acted on or read."""
    response: str = ""
    outcome: Outcome | None = None
    """How the turn ended; None until it has."""
    rewrite: str | None = None
    """The rewrite rule applied, if any."""
    barged_in: bool = False
    rephrase_of: str | None = None
    """Turn id of the previous turn this one rephrases."""
    just_happened: str | None = None
    """What had just happened in the home when the turn began ("alarm": an alarm went off), see `moments`."""
    events: list[TurnEvent] = field(default_factory=list)
    """The turn's events, in order: what it can be replayed from (`agent.replay`)."""

    def record(self, stage: Stage) -> StageRecord | None:
        return next((r for r in self.stages if r.stage == stage), None)

    @property
    def heard(self) -> str:
        """What the recognizer heard (the typed text in text mode)."""
        asr = self.record(Stage.ASR)
        text = asr.output.get("text") if asr is not None and isinstance(asr.output, dict) else None
        return text or self.text or ""

    def latency_ms(self, stage: Stage) -> float | None:
        rec = self.record(stage)
        return rec.latency_ms if rec else None

    def to_dict(self) -> dict[str, Any]:
        plain: dict[str, Any] = _jsonable(self)
        return plain

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TurnTrace:
        data = dict(data)
        data["stages"] = [StageRecord(**{**r, "stage": Stage(r["stage"])}) for r in data.get("stages", [])]
        data["outcome"] = Outcome(data["outcome"]) if data.get("outcome") else None
        data["events"] = [TurnEvent(**e) for e in data.get("events", [])]
        return cls(**data)


def _jsonable(value: Any) -> Any:
    """Dataclasses, enums, tuples and sets turned into plain JSON values (read field by field: no copies)."""
    kind = type(value)
    if kind in _PLAIN or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, (str, int, float)):
        return value
    names = _FIELD_NAMES.get(kind)
    if names is None and dataclasses.is_dataclass(kind):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind))
    if names is not None:
        return {name: _jsonable(getattr(value, name)) for name in names}
    return str(value)


_PLAIN = frozenset({str, int, float, bool})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
"""Each dataclass's field names, looked up once."""


def jsonable(value: Any) -> Any:
    """Public form of the JSON conversion used for stage inputs and outputs."""
    return _jsonable(value)
