"""The pipeline: wake -> asr -> rewrite -> nlu -> resolve -> result -> tts, traced stage by stage."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol

from agent.context import TurnContext
from agent.trace import STAGE_ORDER, Stage, StageRecord, TurnEvent, jsonable
from agent.turn import (
    Intent,
    Outcome,
    Resolution,
    Result,
    Rewrite,
    Transcript,
    WakeEvent,
)

log = logging.getLogger(__name__)
APOLOGY = "Sorry, something went wrong. Please try again."


class StageEngine(Protocol):
    """Every stage is an object with one async method."""

    async def process(self, data: Any, ctx: TurnContext) -> Any: ...


class EventSink(Protocol):
    """Where agent events go (MQTT `ambient/<satellite>/<event>`)."""

    async def event(self, satellite: str, name: str, payload: dict[str, Any]) -> None: ...


@dataclass
class Stages:
    """One engine per stage; any of them can be swapped."""

    wake: StageEngine
    asr: StageEngine
    rewrite: StageEngine
    nlu: StageEngine
    resolve: StageEngine
    result: StageEngine
    tts: StageEngine

    def engine(self, stage: Stage) -> StageEngine:
        engine: StageEngine = getattr(self, stage.value)
        return engine


EVENT_OF = {Stage.WAKE: "wake", Stage.ASR: "transcript", Stage.NLU: "intent", Stage.RESULT: "result",
            Stage.TTS: "speaking"}
"""The agent event published (on `ambient/<satellite>/<event>`), with the stage's output, when each of these
stages finishes. Around them, as in Home Assistant's assist pipeline: `run-start`, `<stage>-start` before each
stage, `error` (a code and a message) when one fails, and `run-end` with the turn's outcome."""
STAGE_FAILED = "stage-failed"
"""The `error` event's code when a stage raised."""


class Pipeline:
    """Runs a turn from any stage to any stage and fills the context's trace."""

    def __init__(self, stages: Stages, events: EventSink | None = None) -> None:
        self.stages = stages
        self.events = events
        self._pending_events: set[asyncio.Task[None]] = set()

    async def run(self, data: Any, ctx: TurnContext, start: Stage = Stage.WAKE, end: Stage = Stage.TTS) -> Any:
        """Feed `data` to `start` and each output to the next stage until `end`; returns the last output."""
        trace = ctx.trace
        order = STAGE_ORDER[STAGE_ORDER.index(start): STAGE_ORDER.index(end) + 1]
        data = coerce(start, data)
        plain = jsonable(data)
        self._emit(ctx, "run-start", {"start": start.value, "end": end.value, "input": plain})
        try:
            return await self._run(data, plain, ctx, order)
        finally:
            self._emit(ctx, "run-end", {"outcome": trace.outcome.value if trace.outcome else None})

    async def _run(self, data: Any, plain: Any, ctx: TurnContext, order: tuple[Stage, ...]) -> Any:
        trace = ctx.trace
        for stage in order:
            self._emit(ctx, f"{stage.value}-start", {})
            began = time.perf_counter()
            try:
                output, error = await self.stages.engine(stage).process(data, ctx), None
            except Exception as exc:  # a broken stage must not take the agent down
                log.exception("%s stage failed", stage.value)
                output, error = None, f"{type(exc).__name__}: {exc}"
            latency = (time.perf_counter() - began) * 1000
            record = StageRecord(stage, plain, jsonable(output), _confidence(output), round(latency, 3), error)
            trace.stages.append(record)
            self._note(ctx, record, output)
            if error is not None:
                self._emit(ctx, "error", {"stage": stage.value, "code": STAGE_FAILED, "message": error})
                trace.outcome, trace.response = Outcome.ERROR, APOLOGY
                if stage != Stage.TTS and Stage.TTS in order:
                    await self._apology(ctx)
                return None
            if stage == Stage.WAKE and output is None:
                trace.outcome = Outcome.NO_WAKE
                return None
            if isinstance(output, Transcript) and output.engine != "text" and not output.text.strip():
                trace.outcome = Outcome.NO_SPEECH
                return None
            data, plain = output, record.output
        return data

    async def _apology(self, ctx: TurnContext) -> None:
        try:
            await self.stages.tts.process(Result(APOLOGY, Outcome.ERROR), ctx)
        except Exception:
            log.exception("could not speak the apology")

    def _note(self, ctx: TurnContext, record: StageRecord, output: Any) -> None:
        """Copy the headline of each stage's output onto the trace and announce it (`record`: the stage's record)."""
        trace, stage = ctx.trace, record.stage
        if isinstance(output, Rewrite):
            trace.rewrite = output.rule
        elif isinstance(output, Intent):
            trace.intent, trace.slots = output.name, dict(output.slots)
        elif isinstance(output, Resolution):
            trace.intent, trace.slots = output.intent.name, dict(output.intent.slots)
            trace.devices = list(output.devices)
        elif isinstance(output, Result):
            trace.response, trace.outcome = output.speech, output.outcome
            acted = [a.device for a in output.actions]
            trace.devices = acted or trace.devices
        if stage in EVENT_OF and output is not None:
            self._emit(ctx, EVENT_OF[stage], {stage.value: record.output})

    def _emit(self, ctx: TurnContext, name: str, payload: dict[str, Any]) -> None:
        """Add an event to the turn's trace and publish it (best effort, in order, without waiting for it)."""
        trace = ctx.trace
        trace.events.append(TurnEvent(name, round((time.perf_counter() - ctx.began) * 1000, 3), payload))
        if self.events is None or ctx.satellite is None:
            return
        payload = {"turn_id": trace.turn_id, "user": trace.user, **payload}
        task = asyncio.create_task(self.events.event(ctx.satellite.id, name, payload))
        self._pending_events.add(task)
        task.add_done_callback(self._pending_events.discard)


def coerce(start: Stage, data: Any) -> Any:
    """Let a run start mid-pipeline from plain text."""
    if not isinstance(data, str):
        return data
    if start == Stage.ASR:
        return WakeEvent("", 1.0, data)
    if start == Stage.REWRITE:
        return Transcript(data, 1.0)
    if start == Stage.NLU:
        return Rewrite(data, data)
    if start == Stage.TTS:
        return Result(data, Outcome.SUCCESS)
    return data


def _confidence(output: Any) -> float | None:
    if isinstance(output, WakeEvent):
        return output.score
    if isinstance(output, (Transcript, Rewrite, Intent)):
        return output.confidence
    if isinstance(output, Resolution):
        return min(output.scores.values(), default=None)
    return None
