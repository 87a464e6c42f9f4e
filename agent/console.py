"""What the terminal shows: Rich rendering of turns, and log lines without the libraries' noise."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

from rich.table import Table

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
