"""The agent: one home, one MQTT connection, one pipeline, many satellites."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, Self

from agent.asr.stage import AsrStage
from agent.broker import parse_broker_url
from agent.bus import MqttBus
from agent.clock import Clock, SystemClock
from agent.config import AgentConfig
from agent.context import TurnContext
from agent.dialogue.state import Dialogue, OpenQuestion
from agent.feedback.signals import rejects, rephrases, view_of
from agent.habits import Habits
from agent.home import Home, load_home
from agent.learn.labels import read_labels
from agent.log.writer import LogStatus, TurnLog
from agent.moments import just_happened
from agent.nlu.model import NluModel
from agent.nlu.stage import NluStage
from agent.pipeline import Pipeline, Stages
from agent.resolve.stage import ResolveStage
from agent.result.stage import ResultStage
from agent.rewrite.online import STARTUP_TURNS, OnlineRewriter
from agent.rewrite.stage import RewriteStage
from agent.rewrite.table import PrecomputedRewriter
from agent.states import DeviceStates
from agent.teach.rewriter import TaughtRewriter
from agent.teach.store import PreferenceStore, StoreUnavailable
from agent.trace import Stage, TurnTrace
from agent.tts.engine import TtsStage, tts_engine_for
from agent.turn import Outcome, Transcript
from agent.wake.text import TextWake
from skills import load_skills
from skills.base import Services
from skills.restaurants import load_listing
from skills.sports import SimulatedScores
from skills.weather import SimulatedWeather

if TYPE_CHECKING:
    from agent.asr.audio import AudioAsr

log = logging.getLogger(__name__)
STATE_SETTLE_S = 1.0
"""How long start-up waits for every device's retained state."""
MAX_DIALOGUES = 1000
"""Satellites (and Wyoming conversations) whose dialogue is remembered; the longest quiet is forgotten first."""
RECONNECT_S = 30.0
"""How often a database that was unreachable at start is tried again for the taught preferences and past turns."""


class Agent:
    """Assembles the stages around a home and runs text turns (voice front-ends feed the same pipeline)."""

    def __init__(self, config: AgentConfig, clock: Clock | None = None, nlu: NluModel | None = None,
                 turn_log: TurnLog | None = None) -> None:
        """`turn_log`: a log shared by several agents of one process (a simulated fleet), which the caller opens
        and closes; one writer then batches every home's turns. Default: the agent's own log of `config.db`."""
        self.config = config
        self.clock = clock or SystemClock()
        self.home: Home = load_home(config.home)
        self.states = DeviceStates()
        self.dialogues: dict[str, Dialogue] = {}
        self._own_log = turn_log is None
        self.turn_log = turn_log or (TurnLog(config.db) if config.db else None)
        address = parse_broker_url(config.broker)
        self.bus = MqttBus(address, self.home, self.states, self.clock)
        self._nlu = nlu
        self.rewriter = PrecomputedRewriter(config.rewrites)
        self.online = OnlineRewriter()
        self.habits = Habits(self.home)
        self.preferences: PreferenceStore | None = None
        """What users taught (in the turn log's database); None without one."""
        self.pipeline: Pipeline | None = None
        self._asr = AsrStage()
        self._background: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Open the turn log, connect to the broker, load the NLU model and the skills (a voice that cannot be
        loaded fails first, before anything is opened)."""
        tts_engine = tts_engine_for(self.config.tts, self.config.voice)
        if self.turn_log:
            await asyncio.to_thread(self.turn_log.start)
            self.states.on_change(self._log_state)
        if self.turn_log and self.config.db:
            self.preferences = PreferenceStore(self.config.db)
            read_turns = self.turn_log.status is LogStatus.OK
            if read_turns:
                await asyncio.to_thread(self._learn_habits)
            else:  # the log said why, once: the same database holds the past turns and the preferences
                log.warning("past turns and taught preferences are not used until the database is back")
            if not (read_turns and await asyncio.to_thread(self._load_preferences)):
                self._in_background(self._reconnect(read_turns=not read_turns))
        nlu_task = asyncio.create_task(asyncio.to_thread(self._load_nlu))
        await self.bus.start()
        await self._settle_states()
        nlu = await nlu_task
        taught = [TaughtRewriter(self.preferences)] if self.preferences else []
        result = ResultStage(load_skills(), self.bus, self.clock,
                             services=self._services(), confirm_timeout_s=self.config.confirm_timeout_s)
        stages = Stages(
            wake=TextWake(self.config.wake_phrase, self.config.require_wake), asr=self._asr,
            rewrite=RewriteStage([*taught, *((self.rewriter, self.online) if self.config.learning else ())]),
            nlu=NluStage(nlu, self.preferences), resolve=ResolveStage(self.habits), result=result,
            tts=TtsStage(tts_engine, self.config.speech_dir if self.config.tts != "null" else None),
        )
        self.pipeline = Pipeline(stages, events=self.bus)

    def _services(self) -> Services:
        """What the skills may use: the services the configuration chooses, and the agent's own."""
        config = self.config
        return Services(SimulatedWeather() if config.weather == "simulated" else None, self.announce, self.run_later,
                        SimulatedScores() if config.sports == "simulated" else None,
                        load_listing() if config.restaurants == "simulated" else None, self.preferences, self.habits)

    async def stop(self) -> None:
        for task in self._background:
            task.cancel()
        await self.bus.stop()
        if self.preferences:
            self.preferences.close()
        if self.turn_log and self._own_log:
            await asyncio.to_thread(self.turn_log.close)

    async def __aenter__(self) -> Self:
        try:
            await self.start()
        except BaseException:
            await self.stop()  # what did start (the broker's connection, the log) is closed, not left running
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def handle_text(
        self, text: str, user: str | None = None, device: str | None = None, start: Stage = Stage.WAKE,
        end: Stage = Stage.TTS,
    ) -> TurnTrace:
        """Run one turn spoken (typed) by `user` to satellite `device`; returns its trace."""
        ctx = self.new_turn(user, device, text=text)
        await self.running_pipeline.run(text, ctx, start=start, end=end)
        self.end_turn(ctx)
        return ctx.trace

    def hear_with(self, asr: AudioAsr) -> None:
        """Recognize the turns that come with audio (a voice loop's) with `asr`."""
        self._asr.audio = asr

    @property
    def running_pipeline(self) -> Pipeline:
        if self.pipeline is None:
            raise RuntimeError("Agent.start() has not been awaited")
        return self.pipeline

    def new_turn(self, user: str | None, device: str | None, text: str | None = None, remote: str | None = None
                 ) -> TurnContext:
        """A fresh trace and context for a turn spoken to satellite `device` (default: the home's first), or to
        `remote`, a satellite the home file does not list (a Wyoming client's): its turns keep a dialogue of
        their own under that id, in no room."""
        satellite = self.home.device(device) if device else None if remote else self.home.default_satellite()
        if device and satellite is None:
            raise ValueError(f"unknown device {device!r}; known: {', '.join(self.home.device_by_id)}")
        sat_id = satellite.id if satellite else remote or "console"
        if sat_id not in self.dialogues and len(self.dialogues) >= MAX_DIALOGUES:  # a server's many conversations
            del self.dialogues[min(self.dialogues, key=lambda known: self.dialogues[known].last_at)]
        dialogue = self.dialogues.setdefault(sat_id, Dialogue())
        now = self.clock.now()
        dialogue.begin(now)
        moment = just_happened(self.home, self.states.get, now)
        trace = TurnTrace(user or self.config.user, sat_id, satellite.area if satellite else None, now,
                          session_id=dialogue.session_id, text=text, just_happened=moment)
        return TurnContext(self.home, trace.user, satellite, trace.area, self.states, dialogue, trace, moment)

    def open_questions(self) -> list[OpenQuestion]:
        """The values satellites were just asked for ("What temperature should I set?") and still wait for."""
        now = self.clock.now()
        return [d.question for d in self.dialogues.values() if d.question is not None and now <= d.question.expires_at]

    def end_turn(self, ctx: TurnContext) -> None:
        """Close the trace, note whether it rephrases the satellite's last turn, remember it and log it."""
        ctx.trace.ended_at = self.clock.now()
        last = ctx.dialogue.last_turn
        if last is not None:
            if rephrases(last, ctx.trace):
                ctx.trace.rephrase_of = last.turn_id
            rejected = rejects(last, ctx.trace)
            if last.rewrite:
                self.rewriter.score(last.rewrite, won=not rejected)
            elif rejected and (before := view_of(last)):
                self.online.forget(last.user, last.device, before.text, before.started_at)
        said = view_of(ctx.trace)
        if said is not None and ctx.trace.outcome == Outcome.SUCCESS and not ctx.trace.rewrite:
            self.online.observe(said.user, said.device, said.text, said.started_at,
                                (ctx.trace.intent, tuple(ctx.trace.devices)))
            self.habits.observe(said.user, ctx.trace.area, ctx.trace.intent, ctx.trace.slots, ctx.trace.devices,
                                said.started_at, ctx.trace.just_happened)
        ctx.dialogue.end(ctx.trace, ctx.answered, ctx.trace.started_at)
        self.log_turn(ctx.trace)

    def barge_in(self, trace: TurnTrace, by: str, stop_ms: float = 0.0) -> None:
        """The answer of `trace` was interrupted (by the wake phrase, "stop", or a new request): mark and
        re-log the turn (a barge-in is implicit feedback) and tell the satellite's listeners."""
        trace.barged_in = True
        self.log_turn(trace)
        payload = {"turn_id": trace.turn_id, "by": by, "stop_ms": stop_ms}
        self._in_background(self.bus.event(trace.device, "barge_in", payload))
        log.info("barge-in (%s) on turn %s", by, trace.turn_id)

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` as a task the agent keeps until it ends (and cancels when it stops)."""
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def log_turn(self, trace: TurnTrace) -> None:
        """Write (or rewrite, e.g. after a barge-in) a turn to the log."""
        if self.turn_log:
            self.turn_log.record_turn(trace)

    async def run_later(self, satellite: str | None, user: str | None, text: str, speech_confidence: float = 1.0
                        ) -> None:
        """Carry out a request made for later ("turn off the lights in 10 minutes") as a turn of its own, as sure
        of its words as when it was said (unsure speech still never opens, unlocks or heats without a yes), and
        say what happened on the satellite it was asked at."""
        ctx = self.new_turn(user, satellite, text=text)
        await self.running_pipeline.run(Transcript(text, speech_confidence), ctx, start=Stage.REWRITE,
                                        end=Stage.RESULT)
        self.end_turn(ctx)
        if satellite and ctx.trace.response:
            await self.announce(satellite, ctx.trace.response)

    async def announce(self, satellite: str, text: str) -> None:
        """Say something unprompted (a timer finishing) on a satellite."""
        await self.bus.event(satellite, "announce", {"text": text})
        log.info("[%s] %s", satellite, text)

    def _learn_habits(self) -> None:
        """The online rewriter and the habits start from the latest logged turns; a log it cannot read only
        costs habits."""
        from agent.log.reader import LogUnreadable, read_turns

        if self.config.db is None:
            return
        try:
            self.online.learn(self.habits.watching(read_turns(self.config.db, recent=STARTUP_TURNS, context=True)))
        except LogUnreadable as exc:
            log.warning("could not read past turns for the online rewriter: %s", exc)

    def _load_preferences(self, quiet: bool = False) -> bool:
        """Read the taught preferences; without their database the agent runs without them, for now."""
        assert self.preferences is not None
        try:
            self.preferences.load()
            return True
        except StoreUnavailable as exc:
            if not quiet:
                log.warning("%s; taught preferences are off until it is back", exc)
            return False

    async def _reconnect(self, read_turns: bool) -> None:
        """Try the database every `RECONNECT_S` until the preferences load; then the past turns are read too, if
        they were not at start (`read_turns`)."""
        assert self.preferences is not None
        while not self.preferences.loaded:  # teaching meanwhile may load them too
            await asyncio.sleep(RECONNECT_S)
            if not self.preferences.loaded:
                await asyncio.to_thread(self._load_preferences, True)
        if read_turns:
            await asyncio.to_thread(self._learn_habits)
        log.warning("the database is back: past turns and taught preferences are used again")

    def _load_nlu(self) -> NluModel:
        if self._nlu is None:
            self._nlu = NluModel.load(self.home, extra=read_labels(self.config.labels))
        else:
            self._nlu.use_home(self.home)
        return self._nlu

    async def _settle_states(self) -> None:
        """Wait briefly for retained device states so the first turn already has context."""
        deadline = asyncio.get_running_loop().time() + STATE_SETTLE_S
        wanted = set(self.home.device_by_id)
        while asyncio.get_running_loop().time() < deadline:
            if wanted <= set(self.states.snapshot()):
                return
            await asyncio.sleep(0.02)
        missing = sorted(wanted - set(self.states.snapshot()))
        log.info("no state yet from %d device(s): %s", len(missing), ", ".join(missing))

    def _log_state(self, device_id: str, state: dict[str, Any] | None, available: bool | None) -> None:
        if self.turn_log:
            self.turn_log.record_state(device_id, self.clock.now(), state, available)


def settle_heap() -> None:
    """Collect once, then exempt everything alive now (the NLU model, grammars, homes) from later garbage
    collections. Call once the process's agents have started: a full collection over a loaded agent's heap
    stops the event loop for 100-200 ms, which every turn in flight waits out."""
    gc.collect()
    gc.freeze()
