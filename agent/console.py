"""What the terminal shows: Rich rendering of turns, and log lines without the libraries' noise."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable
from typing import Protocol

from rich.table import Table
from rich.text import Text

from agent.trace import Stage, TurnTrace

SHOWN_STAGES = (Stage.NLU, Stage.RESOLVE, Stage.RESULT, Stage.TTS)
LIBRARIES = ("mqtt", "amqtt", "transitions", "py.warnings", "faster_whisper", "huggingface_hub", "httpx", "hassil")
"""Loggers (and Python warnings) of the libraries: what they say below an error is noise to a user ("There are 14
pending publish calls"), shown only with --verbose."""


def setup_logging(verbose: bool) -> None:
    """Our warnings (with --verbose, our information and the libraries' warnings too) on stderr, one line each.
    The libraries are quietened by a filter on the handler, not by their loggers' levels, which some of them set
    when imported (aiomqtt does)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine("%(levelname)s %(name)s: %(message)s"))
    if not verbose:
        handler.addFilter(_quiet_libraries)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler], force=True)
    logging.captureWarnings(True)


class _OneLine(logging.Formatter):
    """A message on one line, however many its exception's text had (a traceback, at --verbose, keeps its own)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = " ".join(record.message.split())
        return super().formatMessage(record)


def _quiet_libraries(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.ERROR or not any(record.name == name or record.name.startswith(name + ".")
                                                      for name in LIBRARIES)


def turn_table(title: str = "Turns") -> Table:
    """An empty per-turn table: utterance (typed, or as heard), intent, devices, response, ms in all and per
    main stage."""
    table = Table(title=title, show_lines=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("user@device", style="cyan", no_wrap=True)
    table.add_column("utterance")
    table.add_column("intent", style="magenta")
    table.add_column("devices", style="green")
    table.add_column("response")
    table.add_column("ms total", justify="right", style="dim")
    table.add_column("ms " + "/".join(s.value[:3] for s in SHOWN_STAGES), justify="right", style="dim")
    return table


def add_turn(table: Table, index: int, trace: TurnTrace, failures: Iterable[str] = ()) -> None:
    """One row; failed expectations are shown in red under the response."""
    timings = "/".join(_ms(trace, s) for s in SHOWN_STAGES)
    response = trace.response or f"({trace.outcome})"
    problems = list(failures)
    if problems:
        response += "\n[red]" + "\n".join(f"✗ {p}" for p in problems) + "[/red]"
    devices = ", ".join(trace.devices[:2]) + (f" +{len(trace.devices) - 2}" if len(trace.devices) > 2 else "")
    intent = (trace.intent or "-").removeprefix("Hass")
    total = _format(sum(r.latency_ms for r in trace.stages))
    heard = trace.record(Stage.ASR)
    said = trace.text or (heard.output.get("text", "") if heard and isinstance(heard.output, dict) else "")
    table.add_row(str(index), f"{trace.user}@{trace.device}", said, intent, devices or "-", response, total,
                  timings)


def _ms(trace: TurnTrace, stage: Stage) -> str:
    latency = trace.latency_ms(stage)
    return "-" if latency is None else _format(latency)


def _format(ms: float) -> str:
    return f"{ms:.0f}" if ms >= 10 else f"{ms:.1f}"


class Listening(Protocol):
    """What the status line shows of a voice loop (`agent.voice.VoiceLoop`)."""

    level_dbfs: float

    @property
    def doing(self) -> str: ...


METER = (-70.0, -10.0)
"""The level meter's range in dBFS: the self-noise of a quiet room to speech close to the microphone."""
SILENT_DBFS = -75.0
LOUD_DBFS = -45.0
HINT_AFTER_S = 5.0
"""How long the input is silent, or sounds without waking, before the status line says why nothing happens."""
PAUSE_S = 1.0
"""A pause this long ends a stretch of sound (speech has shorter ones between words)."""


class ListenStatus:
    """`ambient listen`'s live status line: what the loop does, the input's level, what was heard and done, and,
    when nothing happens for a while, why."""

    def __init__(self, loop: Listening, wake_phrase: str) -> None:
        self.loop = loop
        self.wake_phrase = wake_phrase
        self.heard = ""
        self.did = ""
        self._quiet = 0.0
        """Since when the input has been silent, or 0."""
        self._sounding = self._sounded = 0.0
        """Since when, and when last, the input was loud while no wake word came."""

    def partial(self, text: str) -> None:
        self.heard = text

    def turn(self, trace: TurnTrace) -> None:
        self.heard = trace.heard or self.heard
        self.did = trace.response or f"({trace.outcome})"

    def __rich__(self) -> Text:
        now, level, doing = time.monotonic(), self.loop.level_dbfs, self.loop.doing
        self._quiet = (self._quiet or now) if level < SILENT_DBFS else 0.0
        if level > LOUD_DBFS and doing == "waiting":
            self._sounding = self._sounding if now - self._sounded < PAUSE_S else now
            self._sounded = now
        elif doing != "waiting":
            self._sounding = self._sounded = 0.0
        shown = {"waiting": f'listening for "{self.wake_phrase}"' if self.wake_phrase else "listening for speech",
                 "awaiting": f'listening for your answer (no "{self.wake_phrase}" needed)' if self.wake_phrase
                 else "listening for your answer",
                 "recording": "recording the request", "thinking": "understanding it",
                 "speaking": 'answering (say "stop" to interrupt)'}[doing]
        low, high = METER
        bars = round(max(0.0, min(1.0, (level - low) / (high - low))) * 10)
        line = Text.assemble(("● " if doing == "recording" else "  ", "red"), (shown, "bold"),
                             f"  mic {'▮' * bars}{'▯' * (10 - bars)} {level:4.0f} dBFS")
        if self.heard:
            line.append(f"  heard: {self.heard}", "cyan")
        if self.did:
            line.append(f"  did: {self.did}", "green")
        if self._quiet and now - self._quiet > HINT_AFTER_S:
            line.append("  the microphone hears nothing: is it muted or unplugged? (`ambient doctor`)", "yellow")
        elif self.wake_phrase and now - self._sounded < PAUSE_S and now - self._sounding > HINT_AFTER_S:
            line.append(f'  hearing sound, but not "{self.wake_phrase}": say it first', "yellow")
        return line
