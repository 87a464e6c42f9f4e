"""The `ambient` command line."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from agent.config import DEFAULT_HOME, AgentConfig
from agent.yamlfile import ConfigError

app = typer.Typer(help="An ambient-home voice agent that learns from its mistakes.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)

HomeOpt = Annotated[Path, typer.Option("--home", help="Home file (YAML).")]
BrokerOpt = Annotated[Optional[str], typer.Option("--broker", help="mqtt://[user:pass@]host:port; default: embedded broker with simulated devices.")]
DbOpt = Annotated[str, typer.Option("--db", help="Turn log URL (any SQLAlchemy URL).")]
DEFAULT_DB = "sqlite:///ambient.db"
SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for chatty in ("amqtt", "mqtt", "transitions"):  # broker internals and paho's queue notices
        logging.getLogger(chatty).setLevel(logging.INFO if verbose else logging.ERROR)


@asynccontextmanager
async def _live_agent(config: AgentConfig, broker: str | None) -> AsyncIterator["Agent"]:
    """An agent on `broker`, or on an embedded broker with the home's simulated devices."""
    from agent.agent import Agent
    from agent.broker import parse_broker_url
    from agent.clock import SystemClock
    from agent.home import load_home
    from devices.fleet import running as running_fleet
    from simulator.runner import broker_url

    async with broker_url(broker) as url:
        config = config.model_copy(update={"broker": url})
        if broker:
            async with Agent(config) as agent:
                yield agent
            return
        clock = SystemClock()
        async with running_fleet(load_home(config.home), parse_broker_url(url), clock, None):
            async with Agent(config, clock=clock) as agent:
                yield agent


def _fail(exc: Exception) -> None:
    err.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(2)


@app.command()
def say(
    text: str,
    user: Annotated[str, typer.Option(help="Who speaks.")] = "guest",
    device: Annotated[Optional[str], typer.Option(help="Satellite spoken to (device id).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the turn trace as JSON.")] = False,
    home: HomeOpt = DEFAULT_HOME, broker: BrokerOpt = None, db: DbOpt = DEFAULT_DB,
    wav: Annotated[Optional[Path], typer.Option(help="Also speak the answer into this folder (WAV).")] = None,
    verbose: bool = False,
) -> None:
    """Run one text turn and print the answer."""
    _setup_logging(verbose)
    config = AgentConfig(home=home, db=db, require_wake=False, tts="pyttsx3" if wav else "null",
                         **({"speech_dir": wav} if wav else {}))

    async def main() -> None:
        async with _live_agent(config, broker) as agent:
            trace = await agent.handle_text(text, user=user, device=device)
        if as_json:
            print(trace.to_json())
        else:
            console.print(trace.response or f"({trace.outcome})")

    try:
        asyncio.run(main())
    except (ConfigError, ValueError, OSError) as exc:
        _fail(exc)


@app.command()
def chat(
    user: Annotated[str, typer.Option(help="Who speaks.")] = "guest",
    device: Annotated[Optional[str], typer.Option(help="Satellite spoken to.")] = None,
    home: HomeOpt = DEFAULT_HOME, broker: BrokerOpt = None, db: DbOpt = DEFAULT_DB, verbose: bool = False,
) -> None:
    """Talk to the agent line by line (Ctrl-D to quit)."""
    _setup_logging(verbose)
    config = AgentConfig(home=home, db=db, require_wake=False)

    async def main() -> None:
        async with _live_agent(config, broker) as agent:
            console.print(f"[dim]{agent.home.name}: {len(agent.home.devices)} devices. Ctrl-D to quit.[/dim]")
            while True:
                try:
                    line = await asyncio.to_thread(input, "you> ")
                except EOFError:
                    break
                if line.strip():
                    trace = await agent.handle_text(line, user=user, device=device)
                    console.print(f"[bold]home>[/bold] {trace.response or '(' + trace.outcome + ')'}")

    try:
        asyncio.run(main())
    except (ConfigError, ValueError, OSError) as exc:
        _fail(exc)


@app.command()
def parse(
    texts: Annotated[Optional[list[str]], typer.Argument(help="Utterances; one per stdin line when none.")] = None,
    home: HomeOpt = DEFAULT_HOME,
) -> None:
    """Print one JSON object per utterance: text, intent, slots, confidence."""
    from agent.home import load_home
    from agent.nlu.model import NluModel

    try:
        model = NluModel.load(load_home(home))
    except ConfigError as exc:
        _fail(exc)
    lines = texts if texts else (line.rstrip("\n") for line in sys.stdin)
    out = sys.stdout
    for intent in model.parse_many(lines):
        out.write(json.dumps({"text": intent.text, "intent": intent.name, "slots": intent.slots,
                              "confidence": round(intent.confidence, 4)}) + "\n")
    out.flush()


@app.command()
def simulate(
    scenario: Path,
    report: Annotated[Optional[Path], typer.Option(help="Write a JSON report here.")] = None,
    broker: BrokerOpt = None, db: Annotated[Optional[str], typer.Option("--db")] = None,
    verbose: bool = False,
) -> None:
    """Run a scenario; exit 1 when an expectation fails."""
    _setup_logging(verbose)
    _run_scenario(scenario, report, broker, db, tts="null", speech_dir=None)


@app.command()
def demo(
    broker: BrokerOpt = None, db: DbOpt = DEFAULT_DB,
    speech_dir: Annotated[Path, typer.Option(help="Where spoken answers go (WAV).")] = Path("out/demo"),
    verbose: bool = False,
) -> None:
    """A morning in a simulated home: real broker, simulated devices, spoken answers."""
    _setup_logging(verbose)
    _run_scenario(SCENARIOS / "morning.yaml", None, broker, db, tts="pyttsx3", speech_dir=speech_dir)
    console.print(f"[dim]Spoken answers: {speech_dir}/  Turn log: {db}[/dim]")


def _run_scenario(path: Path, report: Path | None, broker: str | None, db: str | None, tts: str,
                  speech_dir: Path | None) -> None:
    from rich.live import Live

    from agent.console import add_turn, turn_table
    from simulator.runner import run_scenario

    table = turn_table(str(path.name))

    async def main() -> bool:
        with Live(table, console=console, refresh_per_second=8):
            result = await run_scenario(path, broker=broker, db=db, tts=tts, speech_dir=speech_dir,
                                        on_turn=lambda r: add_turn(table, r.step, r.trace, r.failures))
        if report:
            report.write_text(result.to_json())
        failed = sum(1 for r in result.results if r.failures)
        style = "green" if result.passed else "red"
        console.print(f"[{style}]{result.name}: {len(result.results) - failed} passed, {failed} failed[/{style}]")
        return result.passed

    try:
        passed = asyncio.run(main())
    except (ConfigError, ValueError, OSError) as exc:
        _fail(exc)
    if not passed:
        raise typer.Exit(1)


@app.command()
def devices(home: HomeOpt = DEFAULT_HOME, broker: BrokerOpt = None, verbose: bool = False) -> None:
    """Run the home's simulated devices against a broker until interrupted."""
    _setup_logging(verbose)
    from agent.broker import parse_broker_url
    from agent.clock import SystemClock
    from agent.home import load_home
    from devices.fleet import running as running_fleet
    from simulator.runner import broker_url

    async def main() -> None:
        async with broker_url(broker) as url:
            home_model = load_home(home)
            async with running_fleet(home_model, parse_broker_url(url), SystemClock(), None, reconnect=True):
                console.print(f"{len(home_model.devices)} simulated devices on {url}. Ctrl-C to stop.")
                await asyncio.Event().wait()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    except (ConfigError, ValueError, OSError) as exc:
        _fail(exc)


@app.command()
def bench(
    turns: Annotated[int, typer.Option(help="Text turns to time.")] = 1000,
    lines: Annotated[int, typer.Option(help="Utterances for the parse throughput run.")] = 5000,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Text-turn latency (p50/p99), parse throughput, and held-out intent accuracy."""
    from rich.table import Table

    from agent import bench as benchmark

    _setup_logging(False)
    figures = benchmark.as_dict(benchmark.run(turns, lines))
    if as_json:
        print(json.dumps(figures))
        return
    targets = {"turn_p50_ms": "<= 10", "turn_p99_ms": "<= 30", "parse_per_s": ">= 500",
               "parse_cli_per_s": ">= 500", "say_cold_start_s": "< 5", "intent_accuracy": ">= 0.95"}
    table = Table(title="ambient bench")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("target", style="dim")
    for key, value in figures.items():
        table.add_row(key, str(value), targets.get(key, ""))
    console.print(table)
