"""The voice loop: wake word, the request, the answer spoken back, barge-in while speaking, and the user's answer to
a question back heard without the wake word."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from agent.agent import Agent
from agent.asr.audio import WAKE_OVERLAP_S, AudioAsr
from agent.asr.engine import Recognizer
from agent.audio.endpoint import Endpointer
from agent.audio.frames import FRAME_MS, AudioFrame, AudioSource, RequestAudio
from agent.audio.levels import SILENCE_DBFS, clipping_ratio, rms_dbfs
from agent.audio.playback import Player
from agent.audio.vad import speech_seconds
from agent.clock import VirtualClock
from agent.config import AgentConfig
from agent.context import TurnContext
from agent.home import Home
from agent.trace import Stage, TurnTrace
from agent.turn import Outcome, Speech, Transcript, WakeEvent
from agent.wake.engine import WakeEngine

log = logging.getLogger(__name__)
CLIPPING_WARN_RATIO = 0.01
CLIPPING_WARN_EVERY_S = 60.0
REPLAY_S = 4.0
"""Recent audio kept so the request can start right where the wake phrase ended (engines decide late)."""
TALK_BEFORE_S = 2.0
"""How much audio before the wake phrase is listened to for another voice talking (a television)."""
TALK_BEFORE_MIN_S = 0.5
"""Speech in that audio that makes it another voice's talk."""
PHRASE_S = 1.0
"""How long a wake phrase lasts, where its engine does not say where it began."""
ANSWER_S = 5.0
"""After the agent asks back ("Which one?", "What temperature should I set?"), speech within this long of its
question ending is the answer, without the wake phrase (Home Assistant's satellites also listen on). Not after
"Do you want me to unlock the front door?": a yes to opening, unlocking or heating is said to the agent ("hey
home, yes"), not picked up from whatever is said in the room next."""


@dataclass
class VoiceEngines:
    """The swappable audio parts of a voice loop."""

    wake: WakeEngine
    recognizer: Recognizer
    endpointer: Callable[[], Endpointer]
    """Makes a fresh endpointer for each request."""
    player: Player
    stop: WakeEngine | None = None
    """Spots "stop" while the agent speaks."""
    correct: Callable[[Transcript], Transcript] | None = None
    """Maps a free-form recognizer's transcript onto the phrases the home knows (`agent.asr.correct`)."""
    barge_in: bool = True
    """Whether the wake engine may interrupt an answer (not in push-to-talk, where it would hear the answer)."""
    answer: WakeEngine | None = None
    """Hears the start of the user's answer to a question the agent asked, without the wake phrase (speech
    onset); None where every request needs none anyway (push-to-talk)."""


@dataclass
class BargeIn:
    """One interruption of the agent's speech."""

    turn_id: str
    stop_ms: float
    """From the decision to stop until the audio stream stopped."""
    by: str
    """The phrase that interrupted ("hey home" or "stop")."""


class VoiceLoop:
    """Feeds audio frames through wake -> asr -> ... -> tts and plays the answer, interruptibly."""

    def __init__(
        self, agent: Agent, engines: VoiceEngines, satellite: str | None = None, user: str | None = None,
        on_turn: Callable[[TurnTrace], None] | None = None, on_partial: Callable[[str], None] | None = None,
        clock: VirtualClock | None = None, end: Stage = Stage.TTS,
    ) -> None:
        self.agent = agent
        self.engines = engines
        self.satellite = satellite
        self.user = user
        self.on_turn = on_turn
        self.clock = clock
        """A virtual clock to advance by each frame's duration (simulator)."""
        self.end = end
        """The last stage each turn runs (benchmarks stop before acting)."""
        agent.hear_with(AudioAsr(engines.recognizer, self._endpointer, on_partial, engines.correct,
                                 agent.config.wake_phrase))
        self.barge_ins: list[BargeIn] = []
        self.traces: list[TurnTrace] = []
        self._turn: TurnContext | None = None
        self._turn_task: asyncio.Task[None] | None = None
        self._speaking: tuple[TurnTrace, asyncio.Task[bool]] | None = None
        self._last_clip_warning = -CLIPPING_WARN_EVERY_S
        self._recent: deque[AudioFrame] = deque(maxlen=int(REPLAY_S * 1000 / FRAME_MS))
        self._wake_origin_s: float | None = None
        """Stream offset of the first frame the wake engine heard since its last reset (its `at_s` is relative)."""
        self._background = b""
        """Audio up to the end of the last wake phrase: the next request's endpointer takes its noise floor from it."""
        self.level_dbfs = SILENCE_DBFS
        """The input's level in the last frame."""
        self._answer_from_s: float | None = None
        """Stream offset at which the agent's last question ended: an answer is listened for from then on."""
        self._asked = False
        """The last turn asked the user something."""

    @property
    def idle(self) -> bool:
        """Not capturing, thinking or speaking."""
        return (self._turn_task is None or self._turn_task.done()) and not self.speaking

    @property
    def thinking(self) -> bool:
        """A request is being handled and no audio is wanted until it is (a neural decode may take a while)."""
        return self._turn_task is not None and not self._turn_task.done() and (
            self._capturing is None or self._capturing.deciding)

    @property
    def _capturing(self) -> RequestAudio | None:
        """The audio of the request being said, while it is recorded."""
        audio = self._turn.audio if self._turn is not None else None
        return audio if audio is not None and audio.listening else None

    @property
    def speaking(self) -> bool:
        return self._speaking is not None and not self._speaking[1].done()

    @property
    def doing(self) -> str:
        """What the loop is doing: "recording" a request, "thinking", "speaking", "awaiting" the answer to its
        question (no wake word needed), or "waiting" for a wake word."""
        return ("thinking" if self.thinking else "recording" if self._capturing is not None
                else "speaking" if self.speaking else "awaiting" if self._asked else "waiting")

    async def run(self, source: AudioSource, patient: bool = False) -> None:
        """Listen until the source ends, then finish the last turn and its answer. `patient` for a recording read
        faster than real time: each request is answered before more of it is heard, as if the speaker had waited
        (a live microphone moves on, and what is said meanwhile is not a request)."""
        async for frame in source.frames():
            while patient and (self.thinking or self.speaking):
                await asyncio.sleep(0.005)
            await self.feed(frame)
        await self.drain()

    async def feed(self, frame: AudioFrame) -> None:
        """One frame: to the request being captured, or to the wake (and stop) spotters."""
        if self.clock is not None:
            await self.clock.advance(FRAME_MS / 1000)
        self._check_level(frame)
        if (audio := self._capturing) is not None:
            audio.put(frame)
            return
        if self._turn_task is not None and not self._turn_task.done():
            return  # thinking: the request is being handled
        if self.speaking and not self.engines.barge_in:
            return
        if self.speaking and self.engines.stop is not None and self.engines.stop.feed(frame.pcm):
            self._barge_in("stop")
            return
        self._recent.append(frame)
        if self._wake_origin_s is None:
            self._wake_origin_s = frame.start_s
        answer = self._answer_onset(frame)
        if answer is not None:
            await self._begin(answer, self._answer_from_s or 0.0)
            return
        wake = self.engines.wake.feed(frame.pcm)
        if wake is None:
            return
        if self.speaking:
            self._barge_in(wake.phrase)
        await self._begin(wake, self._wake_origin_s or 0.0)

    def _answer_onset(self, frame: AudioFrame) -> WakeEvent | None:
        """The start of the answer to the agent's question, said within `ANSWER_S` of it, without the wake
        phrase; None otherwise (its `at_s` counts from `_answer_from_s`)."""
        if not self._asked or self.speaking or self.engines.answer is None:
            return None
        if self._answer_from_s is None:
            self._answer_from_s = frame.start_s
            self.engines.answer.reset()
        if frame.start_s - self._answer_from_s > ANSWER_S:
            self._asked = False
            return None
        return self.engines.answer.feed(frame.pcm)

    async def _begin(self, wake: WakeEvent, origin: float) -> None:
        """Start a turn at `wake` (its offsets counting from `origin`, the stream offset its engine started at)."""
        self.engines.wake.reset()
        self._asked = False
        ctx = self.agent.new_turn(self.user, self.satellite)
        ctx.audio = RequestAudio()
        phrase_end_s = None if wake.at_s is None else origin + wake.at_s
        phrase_s = None if wake.began_s is None else origin + wake.began_s
        began_s = phrase_s if self.engines.recognizer.hears_prefix else None
        wake = dataclasses.replace(wake, at_s=phrase_end_s, began_s=began_s,  # stream offsets from here on
                                   speaker_dbfs=speaker_level(self._recent, phrase_s, phrase_end_s))
        replay_s = began_s if began_s is not None else None if phrase_end_s is None else phrase_end_s - WAKE_OVERLAP_S
        for earlier in self._recent:  # what was said after (or with) the wake phrase, before the engine decided
            if replay_s is not None and earlier.start_s >= replay_s:
                ctx.audio.put(earlier)
        self._background = b"".join(f.pcm for f in self._recent if phrase_end_s is None or f.start_s < phrase_end_s)
        self._recent.clear()
        self._wake_origin_s = None
        self._turn = ctx
        self._turn_task = asyncio.create_task(self._handle(ctx, wake))
        await asyncio.sleep(0)

    async def drain(self) -> None:
        """End of input: close the request being captured and wait for its answer to finish."""
        if (audio := self._capturing) is not None:
            audio.end()
        if self._turn_task is not None:
            await self._turn_task
        if self._speaking is not None:
            await self._speaking[1]

    def _endpointer(self) -> Endpointer:
        """A fresh endpointer for the request, knowing the noise floor from before it."""
        endpointer = self.engines.endpointer()
        endpointer.hear_background(self._background)
        return endpointer

    async def _handle(self, ctx: TurnContext, wake: WakeEvent) -> None:
        speech = await self.agent.running_pipeline.run(wake, ctx, start=Stage.WAKE, end=self.end)
        self.agent.end_turn(ctx)
        self.traces.append(ctx.trace)
        self._asked, self._answer_from_s = ctx.trace.outcome == Outcome.CLARIFY, None
        if self.on_turn:
            self.on_turn(ctx.trace)
        if isinstance(speech, Speech) and speech.duration_s > 0:
            if self.engines.stop is not None:
                self.engines.stop.reset()
            self._speaking = (ctx.trace, asyncio.create_task(self.engines.player.play(speech)))

    def _barge_in(self, by: str) -> None:
        """Stop speaking now and mark the interrupted turn."""
        assert self._speaking is not None
        trace, _ = self._speaking
        stop_ms = self.engines.player.stop() or 0.0
        self._speaking = None
        self.agent.barge_in(trace, by, stop_ms)
        self.barge_ins.append(BargeIn(trace.turn_id, stop_ms, by))
        log.info("stopped speaking in %.1f ms", stop_ms)

    def _check_level(self, frame: AudioFrame) -> None:
        self.level_dbfs = rms_dbfs(frame.pcm)
        if clipping_ratio(frame.pcm) > CLIPPING_WARN_RATIO and frame.start_s - self._last_clip_warning > CLIPPING_WARN_EVERY_S:
            self._last_clip_warning = frame.start_s
            log.warning("the microphone input is clipping; lower its gain for better recognition")



def speaker_level(frames: Sequence[AudioFrame], began_s: float | None, ended_s: float | None) -> float | None:
    """The wake phrase's loudest frame (dBFS) when another voice talked in the `TALK_BEFORE_S` before it (the
    phrase spans `began_s` to `ended_s`, stream offsets), else None (see `WakeEvent.speaker_dbfs`)."""
    if ended_s is None:
        return None
    began_s = ended_s - PHRASE_S if began_s is None else began_s
    before = b"".join(f.pcm for f in frames if began_s - TALK_BEFORE_S <= f.start_s < began_s)
    if speech_seconds(before) < TALK_BEFORE_MIN_S:
        return None
    return max((rms_dbfs(f.pcm) for f in frames if began_s <= f.start_s < ended_s), default=None)


def build_engines(agent: Agent, player: Player) -> VoiceEngines:
    """The wake word, recognizer and endpointer `agent.config` chooses (see `recognizer_for`); the wake phrase
    is heard by the recognizer's own kind of engine unless a neural wake word model or push-to-talk is chosen."""
    config, phrase = agent.config, agent.config.wake_phrase
    recognizer, correct = recognizer_for(config, agent.home)
    if config.asr in ("whisper", "both"):
        from agent.asr.whisper_engine import load, resolve_model
        from agent.wake.transcribed import TranscribedWake

        whisper = load(resolve_model(config.whisper_model))
        spotter: Callable[[str], WakeEngine] = lambda words: TranscribedWake(whisper, words)
    elif config.asr == "vosk":
        from agent.asr.vosk_engine import resolve_model_path
        from agent.wake.vosk_engine import VoskWake

        spotter = partial(VoskWake, resolve_model_path(config.vosk_model))
    else:
        from agent.wake.pocketsphinx_engine import PocketsphinxWake

        spotter = partial(PocketsphinxWake, acoustic_model=config.acoustic_model)
    from agent.wake.push_to_talk import SpeechOnset

    return VoiceEngines(_wake(config, lambda: spotter(phrase)), recognizer, Endpointer, player, stop=spotter("stop"),
                        correct=correct, barge_in=not config.push_to_talk,
                        answer=None if config.push_to_talk else SpeechOnset())


def recognizer_for(config: AgentConfig, home: Home) -> tuple[Recognizer, Callable[[Transcript], Transcript] | None]:
    """The recognizer `config.asr` names, and what corrects its transcripts onto the home's phrases.

    whisper (default): the bundled tiny.en or `whisper_model`, its hypotheses corrected onto the home's phrases,
    with a second listen for speech that fits none (`agent.asr.correct.SecondListen`).
    pocketsphinx: the home's grammar, with the household's enrolled acoustic model when configured.
    both: Whisper, with pocketsphinx's grammar as a second vote (`agent.asr.voting`).
    vosk: `vosk_model` (or `$VOSK_MODEL_PATH`).
    """
    if config.asr == "vosk":
        from agent.asr.vosk_engine import VoskRecognizer, resolve_model_path

        return VoskRecognizer(resolve_model_path(config.vosk_model)), None
    if config.asr == "pocketsphinx":
        from agent.asr.pocketsphinx_engine import PocketsphinxRecognizer

        return PocketsphinxRecognizer(home, acoustic_model=config.acoustic_model), None
    from agent.asr.correct import HomePhrases, SecondListen
    from agent.asr.whisper_engine import WhisperRecognizer

    whisper = WhisperRecognizer(home, config.whisper_model)
    if config.asr == "both":
        from agent.asr.pocketsphinx_engine import PocketsphinxRecognizer
        from agent.asr.voting import VotingRecognizer

        grammar = PocketsphinxRecognizer(home, acoustic_model=config.acoustic_model)
        return VotingRecognizer(whisper, grammar, HomePhrases(home)), None
    return whisper, SecondListen(HomePhrases(home), whisper.relisten)


def recognize_whole(recognizer: Recognizer, correct: Callable[[Transcript], Transcript] | None, pcm: bytes,
                    names: Sequence[str] = ()) -> Transcript:
    """One request's whole audio through `recognizer` (blocking: a neural decode), corrected onto the home's
    phrases when words were heard: for a recording, or audio a client has already endpointed. `names`: see
    `Recognizer.start`."""
    recognizer.start(names=names)
    recognizer.feed(pcm)
    heard = recognizer.finish()
    return correct(heard) if correct is not None and heard.text else heard


def _wake(config: AgentConfig, phrase_engine: Callable[[], WakeEngine]) -> WakeEngine:
    """Push-to-talk, a neural wake word model, or the recognizer's own engine for the wake phrase."""
    if config.push_to_talk:
        from agent.wake.push_to_talk import SpeechOnset

        return SpeechOnset()
    if config.wake_word:
        from agent.wake.neural import neural_wake

        return neural_wake(config.wake_word)
    return phrase_engine()
