"""The Wyoming server: one connection handler per client, dispatching each event to its domain's service.

Home Assistant opens a connection per request (a transcription, a wake word stream, a turn, a synthesis) and
`describe`s the server when it is added. A client that sends what cannot be read gets an `error` event and may
go on; one that sends a line that is not JSON, or vanishes, is disconnected; the others are never affected."""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import dataclass
from functools import partial
from typing import TypeVar
from urllib.parse import urlparse

from wyoming.asr import Transcribe
from wyoming.asr import Transcript as WyomingTranscript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event, Eventable
from wyoming.info import Describe, Info
from wyoming.intent import Recognize
from wyoming.ping import Ping, Pong
from wyoming.server import AsyncEventHandler, AsyncServer
from wyoming.tts import Synthesize
from wyoming.wake import Detect

from agent.agent import Agent
from agent.wyoming.asr import AsrService, HeardLately
from agent.wyoming.audio import AudioStream, ToAgentAudio
from agent.wyoming.handle import HandleService
from agent.wyoming.info import describe
from agent.wyoming.intent import IntentService
from agent.wyoming.tts import TtsService
from agent.wyoming.wake import WakeService

log = logging.getLogger(__name__)
DEFAULT_PORT = 10700
"""The port Wyoming servers conventionally listen on."""
E = TypeVar("E", bound=Eventable)


@dataclass
class Services:
    """What the server offers, built once and shared by every connection."""

    info: Info
    asr: AsrService
    wake: WakeService
    handle: HandleService
    intent: IntentService
    tts: TtsService


def services_for(agent: Agent, wake_word: str) -> Services:
    """The agent's recognizer, wake words (`wake_word` when a client names none), turns, NLU and voices."""
    from agent.voice import recognizer_for

    config = agent.config
    heard = HeardLately()
    tts = TtsService("pyttsx3" if config.tts == "pyttsx3" else "piper", config.voice if config.tts == "piper" else None)
    model = {"whisper": config.whisper_model or "tiny.en", "both": config.whisper_model or "tiny.en",
             "pocketsphinx": "en-us", "vosk": config.vosk_model or "vosk"}[config.asr]
    wake = WakeService(wake_word)
    return Services(describe(config.asr, model, list(wake.words.values()), tts.voices),
                    AsrService(agent, *recognizer_for(config, agent.home), heard), wake, HandleService(agent, heard),
                    IntentService(agent), tts)


def server_uri(text: str) -> str:
    """A listening address as `tcp://HOST[:PORT]` (port 10700 when none) or `unix://PATH`; ValueError otherwise."""
    parsed = urlparse(text)
    if parsed.scheme == "tcp" and parsed.hostname:
        try:
            port = parsed.port
        except ValueError:
            raise ValueError(f"bad port in Wyoming address {text!r}") from None
        return f"tcp://{parsed.hostname}:{port if port is not None else DEFAULT_PORT}"
    if parsed.scheme == "unix" and parsed.path:
        return text
    raise ValueError(f"cannot listen on {text!r}: give tcp://HOST:PORT (e.g. tcp://0.0.0.0:{DEFAULT_PORT}) or "
                     "unix://PATH")


def check_free(uri: str) -> None:
    """OSError, saying what to do, when the TCP address `uri` is taken: before anything slow starts."""
    parsed = urlparse(uri)
    if parsed.scheme != "tcp":
        return
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((parsed.hostname or "", parsed.port or DEFAULT_PORT))
        except OSError as exc:
            raise OSError(f"cannot listen on {uri}: {exc.strerror or exc}; is another server using it? Choose "
                          "another port with --wyoming") from None


class Malformed(ValueError):
    """An event whose data is not what its type needs."""


def parsed(kind: type[E], event: Event) -> E:
    try:
        return kind.from_event(event)  # type: ignore[return-value]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise Malformed(f"malformed {event.type!r} event: {type(exc).__name__} {exc}") from None


class Connection(AsyncEventHandler):
    """One client: its requests answered in the order they come."""

    def __init__(self, services: Services, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        super().__init__(reader, writer)
        self.services = services
        self._asked: Transcribe | Detect | None = None
        """The request the next audio answers."""
        self._stream: AudioStream | None = None
        self._audio = ToAgentAudio()
        self._refused = False
        """The audio's request was refused: its chunks are dropped until `audio-stop`."""

    async def run(self) -> None:
        try:
            await super().run()
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            log.info("a Wyoming client went away mid-request (%s)", type(exc).__name__)

    async def handle_event(self, event: Event) -> bool:
        try:
            replies = await self._answer(event)
        except Malformed as exc:
            replies = [Error(str(exc), "malformed-event").event()]
        except Exception as exc:  # one request failing must not end the server or the connection
            log.error("Wyoming %s failed: %s: %s", event.type, type(exc).__name__, exc)
            log.debug("traceback", exc_info=True)
            replies = [Error(f"{event.type} failed: {type(exc).__name__}: {exc}", "failed").event()]
        try:
            for reply in replies:
                await self.write_event(reply)
        except ConnectionError:
            log.info("a Wyoming client went away before its answer")
            return False
        return True

    async def _answer(self, event: Event) -> list[Event]:
        kind, services = event.type, self.services
        if Describe.is_type(kind):
            return [services.info.event()]
        if Ping.is_type(kind):
            return [Pong(parsed(Ping, event).text).event()]
        if Transcribe.is_type(kind):
            self._asked = parsed(Transcribe, event)
            return []
        if Detect.is_type(kind):
            self._asked = parsed(Detect, event)
            return []
        if AudioStart.is_type(kind):
            parsed(AudioStart, event)  # the format comes with every chunk; this only checks the event reads
            return self._start()
        if AudioChunk.is_type(kind):
            return await self._chunk(parsed(AudioChunk, event))
        if AudioStop.is_type(kind):
            return await self._stop()
        if WyomingTranscript.is_type(kind):
            return [await services.handle.handle(parsed(WyomingTranscript, event))]
        if Recognize.is_type(kind):
            return [await services.intent.recognize(parsed(Recognize, event))]
        if Synthesize.is_type(kind):
            return await services.tts.synthesize(parsed(Synthesize, event))
        log.debug("ignoring a Wyoming %r event", kind)
        return []

    def _start(self) -> list[Event]:
        """Audio begins for the request asked last (a transcription when none was)."""
        asked, self._asked = self._asked, None
        stream = (self.services.wake.detection(asked) if isinstance(asked, Detect)
                  else self.services.asr.transcription(asked or Transcribe()))
        self._audio = ToAgentAudio()
        if isinstance(stream, Error):
            self._stream, self._refused = None, True
            return [stream.event()]
        self._stream, self._refused = stream, False
        return []

    async def _chunk(self, chunk: AudioChunk) -> list[Event]:
        if self._refused:
            return []
        replies = self._start() if self._stream is None else []  # audio without an `audio-start`
        if self._stream is None:
            return replies
        try:
            pcm = self._audio.pcm(chunk)
        except ValueError as exc:
            raise Malformed(str(exc)) from None
        return replies + await self._stream.chunk(pcm, chunk.timestamp)

    async def _stop(self) -> list[Event]:
        stream, self._stream, self._refused = self._stream, None, False
        return await stream.stop() if stream is not None else []


class WyomingServer:
    """Serves `services` at `uri` to any number of clients."""

    def __init__(self, services: Services, uri: str) -> None:
        self.services = services
        self.uri = server_uri(uri)
        self._server = AsyncServer.from_uri(self.uri)

    async def start(self) -> None:
        """Listen, without waiting (OSError when the address is taken)."""
        await self._server.start(partial(Connection, self.services))

    async def stop(self) -> None:
        await self._server.stop()
