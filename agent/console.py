"""Rich rendering of turns for the terminal."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table

from agent.trace import Stage, TurnTrace

SHOWN_STAGES = (Stage.WAKE, Stage.REWRITE, Stage.NLU, Stage.RESOLVE, Stage.RESULT, Stage.TTS)


def turn_table(title: str = "Turns") -> Table:
    """An empty per-turn table: utterance, intent, devices, response, ms per stage."""
    table = Table(title=title, show_lines=False, expand=True)
    table.add_column("#", justify="right", style="dim")
    table.add_column("user@device", style="cyan", no_wrap=True)
    table.add_column("utterance")
    table.add_column("intent", style="magenta")
    table.add_column("devices", style="green")
    table.add_column("response")
    table.add_column("ms " + "/".join(s.value[:3] for s in SHOWN_STAGES), justify="right", style="dim")
    return table


def add_turn(table: Table, index: int, trace: TurnTrace, failures: Iterable[str] = ()) -> None:
    """One row; failed expectations are shown in red under the response."""
    timings = "/".join(_ms(trace, s) for s in SHOWN_STAGES)
    response = trace.response or f"({trace.outcome})"
    problems = list(failures)
    if problems:
        response += "\n[red]" + "\n".join(f"✗ {p}" for p in problems) + "[/red]"
    table.add_row(str(index), f"{trace.user}@{trace.device}", trace.text or "", trace.intent or "-",
                  ", ".join(trace.devices) or "-", response, timings)


def _ms(trace: TurnTrace, stage: Stage) -> str:
    latency = trace.latency_ms(stage)
    return "-" if latency is None else f"{latency:.1f}"
