"""Wyoming `asr`: `transcribe`, then the request's audio -> `transcript`, by the agent's recognizer (Whisper by
default), biased to the home and corrected onto the phrases it can mean.

The client endpoints (Home Assistant runs its own VAD and sends `audio-stop`), so the whole request is decoded
once it has ended. Home Assistant does not say which satellite a request comes from, so an answer to a question
a satellite was just asked ("What temperature should I set?" - "seventy", heard "seven tea" with "70." among the
readings) is known by its words: a transcript one of whose readings answers an open question is given as heard,
not corrected onto the home's commands, and the turn reads the answer from its readings. One recognizer serves
every client, one request at a time; audio is only buffered while it streams in, so a slow client holds nobody up.
What was heard is remembered for a while: when the same words come back as a turn to handle, the turn knows how
sure the recognizer was (unsure speech never opens, unlocks or heats without a yes) and when the request began (to
notice a barge-in)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wyoming.asr import Transcribe
from wyoming.asr import Transcript as WyomingTranscript
from wyoming.error import Error
from wyoming.event import Event

from agent.asr.audio import answers
from agent.asr.engine import Recognizer
from agent.text import normalise
from agent.turn import Transcript
from agent.voice import recognize_whole

if TYPE_CHECKING:
    from agent.agent import Agent

LANGUAGE = "en"
REMEMBER_S = 60.0
"""How long a transcript waits for its words to come back as a turn to handle."""


@dataclass(frozen=True)
class Heard:
    """A transcript this server gave, and when its audio began (monotonic seconds)."""

    transcript: Transcript
    began: float


class HeardLately:
    """The transcripts given in the last `REMEMBER_S`, by their words."""

    def __init__(self) -> None:
        self._heard: dict[str, Heard] = {}

    def remember(self, heard: Heard) -> None:
        now = time.monotonic()
        self._heard = {k: h for k, h in self._heard.items() if now - h.began <= REMEMBER_S}
        self._heard[normalise(heard.transcript.text)] = heard

    def recall(self, text: str) -> Heard | None:
        """What was heard as `text` lately (taken: one transcript makes one turn)."""
        heard = self._heard.pop(normalise(text), None)
        return heard if heard is not None and time.monotonic() - heard.began <= REMEMBER_S else None


class AsrService:
    """The recognizer `AgentConfig.asr` names, shared by every connection."""

    def __init__(self, agent: Agent, recognizer: Recognizer, correct: Callable[[Transcript], Transcript] | None,
                 heard: HeardLately) -> None:
        self.agent = agent
        self.recognizer = recognizer
        self.correct = correct
        self.heard = heard
        self._one_at_a_time = asyncio.Lock()

    def transcription(self, request: Transcribe) -> Transcription | Error:
        """The stream that will answer `request`, or why it cannot be answered."""
        if request.language and not request.language.lower().startswith(LANGUAGE):
            return Error(f"speech in {request.language!r} cannot be transcribed here: only English ({LANGUAGE})",
                         "unsupported-language")
        return Transcription(self, request)

    async def recognize(self, pcm: bytes, names: Sequence[str] = ()) -> Transcript:
        async with self._one_at_a_time:
            return await asyncio.to_thread(recognize_whole, self.recognizer, self._correction(), pcm, names)

    def _correction(self) -> Callable[[Transcript], Transcript] | None:
        """The correction onto the home's commands, but for an answer to a question open now (read here, in the
        event loop: the decode runs in a thread)."""
        correct, questions, known = self.correct, self.agent.open_questions(), self.agent.home.device_names
        if correct is None or not questions:
            return correct
        return lambda heard: heard if any(answers(heard, q, known) for q in questions) else correct(heard)


class Transcription:
    """One request's audio, buffered until it ends."""

    def __init__(self, service: AsrService, request: Transcribe) -> None:
        self.service = service
        self.request = request
        self._pcm = bytearray()
        self._began = time.monotonic()

    async def chunk(self, pcm: bytes, timestamp: int | None) -> list[Event]:
        self._pcm += pcm
        return []

    async def stop(self) -> list[Event]:
        asked = self.request
        transcript = await self.service.recognize(bytes(self._pcm), [*(asked.transcript_names or ()),
                                                                       *(asked.transcript_terms or ())])
        if transcript.text:
            self.service.heard.remember(Heard(transcript, self._began))
        return [WyomingTranscript(transcript.text, context=self.request.context, language=LANGUAGE).event()]
