"""The `ambient` command line."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from agent.audio.errors import AudioDeviceError
from agent.config import DEFAULT_HOME, AgentConfig
from agent.yamlfile import ConfigError

if TYPE_CHECKING:  # imported lazily below, to keep `ambient parse` and `say` quick to start
    from agent.agent import Agent
    from agent.audio.frames import AudioSource
    from agent.trace import TurnTrace
    from agent.turn import Transcript
    from agent.voice import VoiceLoop
    from simulator.audio_bench import AudioFigures
    from simulator.isolate_bench import IsolationFigures
    from simulator.voice import AudioOptions
    from simulator.wyoming_bench import WyomingFigures

T = TypeVar("T")
app = typer.Typer(help="An ambient-home voice agent that learns from its mistakes.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)

HomeOpt = Annotated[Path, typer.Option("--home", help="Home file (YAML).")]
BrokerOpt = Annotated[str | None, typer.Option("--broker", help="mqtt://[user:pass@]host:port; default: embedded broker with simulated devices.")]
DbOpt = Annotated[str, typer.Option("--db", help="Turn log URL (any SQLAlchemy URL).")]
DEFAULT_DB = "sqlite:///ambient.db"
AcousticOpt = Annotated[Path | None, typer.Option("--acoustic-model", envvar="AMBIENT_ACOUSTIC_MODEL", help="The household's enrolled pocketsphinx model (`ambient enroll`; implies --asr pocketsphinx unless --asr both).")]
SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


class Asr(StrEnum):
    """The speech recognizers `--asr` chooses from."""

    whisper = "whisper"
    pocketsphinx = "pocketsphinx"
    vosk = "vosk"
    both = "both"


class Voice(StrEnum):
    """The voices `--tts` chooses from."""

    pyttsx3 = "pyttsx3"
    piper = "piper"


AsrOpt = Annotated[Asr, typer.Option("--asr", help="Speech recognizer: whisper (default), pocketsphinx, vosk, or both (Whisper with pocketsphinx voting).")]
WhisperOpt = Annotated[str | None, typer.Option("--whisper-model", envvar="AMBIENT_WHISPER_MODEL", help="A faster-whisper model directory or name (tiny.en, base.en, small.en, ...); default: the bundled tiny.en.")]
VoskOpt = Annotated[str | None, typer.Option("--vosk-model", help="A vosk model directory (implies --asr vosk; else VOSK_MODEL_PATH).")]


def _setup_logging(verbose: bool) -> None:
    from agent.console import setup_logging

    setup_logging(verbose)


@asynccontextmanager
async def _live_agent(config: AgentConfig, broker: str | None) -> AsyncIterator[Agent]:
    """An agent on `broker`, or on an embedded broker with the home's simulated devices."""
    from agent.agent import Agent, settle_heap
    from agent.broker import parse_broker_url
    from agent.clock import SystemClock
    from agent.home import load_home
    from devices.fleet import running as running_fleet
    from simulator.runner import broker_url

    async with broker_url(broker) as url:
        config = config.model_copy(update={"broker": url})
        if broker:
            async with Agent(config) as agent:
                settle_heap()
                yield agent
            return
        clock = SystemClock()
        async with running_fleet(load_home(config.home), parse_broker_url(url), clock, None), \
                Agent(config, clock=clock) as agent:
            settle_heap()
            yield agent


def _fail(exc: Exception) -> NoReturn:
    _say_error(str(exc))
    raise typer.Exit(2)


def _say_error(message: str) -> None:
    """One line, whatever the terminal's width and however many lines a library's message had."""
    err.print(f"[red]error:[/red] {escape(' '.join(message.split()))}", soft_wrap=True)


USER_ERRORS = (ConfigError, ValueError, OSError, AudioDeviceError)
"""A bad file, setting or device: reported in one line, exit status 2."""


def main() -> None:
    """The `ambient` command: whatever fails ends in one line and exit status 1 (2 for a bad file, setting or
    device); `--verbose` shows where it failed."""
    try:
        app()
    except Exception as exc:
        if "--verbose" in sys.argv:
            raise
        if isinstance(exc, USER_ERRORS):
            _say_error(str(exc))
            sys.exit(2)
        _say_error(f"{type(exc).__name__}: {exc} (run it again with --verbose to see where)")  # nobody foresaw it
        sys.exit(1)


def _or_fail(work: Callable[[], T]) -> T:
    """Run `work`; a bad file, setting or device ends the command with a clear message (exit 2)."""
    try:
        return work()
    except USER_ERRORS as exc:
        _fail(exc)


def _run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a command's coroutine; a bad file, setting or device ends it with a clear message (exit 2). SIGTERM
    (a service manager stopping it) cancels it as Ctrl-C does: what it opened is closed, every turn logged, and
    the command ends with exit status 0."""

    async def stoppable() -> T:
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        return await main()

    try:
        return asyncio.run(stoppable())
    except asyncio.CancelledError:
        raise typer.Exit(0) from None
    except USER_ERRORS as exc:
        _fail(exc)


@app.command()
def say(
    text: str,
    user: Annotated[str, typer.Option(help="Who speaks.")] = "guest",
    device: Annotated[str | None, typer.Option(help="Satellite spoken to (device id).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the turn trace as JSON.")] = False,
    home: HomeOpt = DEFAULT_HOME, broker: BrokerOpt = None, db: DbOpt = DEFAULT_DB,
    wav: Annotated[Path | None, typer.Option(help="Also speak the answer into this folder (WAV).")] = None,
    verbose: bool = False,
) -> None:
    """Run one text turn and print the answer."""
    _setup_logging(verbose)
    speech: dict[str, Any] = {"speech_dir": wav} if wav else {}
    config = AgentConfig(home=home, db=db, require_wake=False, tts="pyttsx3" if wav else "null", **speech)

    async def main() -> None:
        async with _live_agent(config, broker) as agent:
            trace = await agent.handle_text(text, user=user, device=device)
        if as_json:
            print(trace.to_json())
        else:
            console.print(trace.response or f"({trace.outcome})")

    _run(main)


@app.command()
def chat(
    user: Annotated[str, typer.Option(help="Who speaks.")] = "guest",
    device: Annotated[str | None, typer.Option(help="Satellite spoken to.")] = None,
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
                    console.print(f"[bold]home>[/bold] {trace.response or f'({trace.outcome})'}")

    _run(main)


@app.command()
def parse(
    texts: Annotated[list[str] | None, typer.Argument(help="Utterances; one per stdin line when none.")] = None,
    home: HomeOpt = DEFAULT_HOME,
    device: Annotated[str | None, typer.Option(
        help="Parse as heard by this satellite (a device id): in its room, 'turn on the lights' means that room's.")] = None,
) -> None:
    """Print one JSON object per utterance: text, intent, slots, confidence."""
    from agent.home import load_home
    from agent.nlu.model import NluModel

    try:
        loaded = load_home(home)
        model = NluModel.load(loaded)
    except ConfigError as exc:
        _fail(exc)
    satellite = loaded.device(device) if device else None
    if device and satellite is None:
        _fail(ValueError(f"no device {device!r} in {home}; satellites: "
                         f"{', '.join(d.id for d in loaded.satellites) or 'none'}"))
    lines = texts if texts else (line.rstrip("\n") for line in sys.stdin)
    out = sys.stdout
    for intent in model.parse_many(lines, area=satellite.area if satellite else None):
        out.write(json.dumps({"text": intent.text, "intent": intent.name, "slots": intent.slots,
                              "confidence": round(intent.confidence, 4)}) + "\n")
    out.flush()


@app.command()
def simulate(
    scenario: Path,
    report: Annotated[Path | None, typer.Option(help="Write a JSON report here.")] = None,
    broker: BrokerOpt = None, db: Annotated[str | None, typer.Option("--db")] = None,
    audio: Annotated[bool, typer.Option(help="Speak each utterance (espeak-ng) through the audio pipeline.")] = False,
    snr: Annotated[float | None, typer.Option(help="With --audio: white noise this many dB below the speech.")] = None,
    seed: Annotated[int, typer.Option(help="With --audio: seed for the noise.")] = 0,
    asr: AsrOpt = Asr.whisper, whisper_model: WhisperOpt = None, vosk_model: VoskOpt = None,
    acoustic_model: AcousticOpt = None,
    enroll: Annotated[bool, typer.Option(help="With --audio: the speakers enroll their voices into pocketsphinx first (cached).")] = False,
    voices: Annotated[str | None, typer.Option(help="With --audio: the speakers' voices, comma-separated: piper (Piper's neural voice) and espeak-ng voices (en-us, en-gb, en-us+f3, ...).")] = None,
    verbose: bool = False,
) -> None:
    """Run a scenario; exit 1 when an expectation fails."""
    from simulator.voice import AudioOptions

    _setup_logging(verbose)
    chosen: dict[str, Any] = {"voices": tuple(v.strip() for v in voices.split(",") if v.strip())} if voices else {}
    options = AudioOptions(snr, seed, asr.value, vosk_model, whisper_model, acoustic_model=acoustic_model,
                           enroll=enroll, **chosen) if audio else None
    _run_scenario(scenario, report, broker, db, tts="null", speech_dir=None, audio=options)


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
                  speech_dir: Path | None, audio: AudioOptions | None = None) -> None:
    from rich.live import Live

    from agent.console import add_turn, turn_table
    from simulator.runner import run_scenario
    from simulator.scenario import load_scenario

    _or_fail(lambda: load_scenario(path))  # a file that is no scenario fails before the table is drawn
    table = turn_table(str(path.name))

    async def main() -> bool:
        with Live(table, console=console, refresh_per_second=8):
            result = await run_scenario(path, broker=broker, db=db, tts=tts, speech_dir=speech_dir, audio=audio,
                                        on_turn=lambda r: add_turn(table, r.step, r.trace, r.failures))
        if report:
            report.write_text(result.to_json())
        failed = sum(1 for r in result.results if r.failures)
        style = "green" if result.passed else "red"
        console.print(f"[{style}]{result.name}: {len(result.results) - failed} passed, {failed} failed[/{style}]")
        return result.passed

    passed = _run(main)
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

    with contextlib.suppress(KeyboardInterrupt):
        _run(main)


@app.command()
def bench(
    turns: Annotated[int, typer.Option(help="Text turns to time.")] = 1000,
    lines: Annotated[int, typer.Option(help="Utterances for the parse throughput run.")] = 5000,
    audio: Annotated[bool, typer.Option(help="Run the audio benchmark (synthesized speech) instead.")] = False,
    wyoming: Annotated[bool, typer.Option("--wyoming", help="Our Wyoming server beside Home Assistant's Whisper server, by wyoming-bench, instead.")] = False,
    commands: Annotated[int | None, typer.Option(help="With --audio: spoken commands per condition (default 200); with --wyoming: commands, each in two voices (default 40).")] = None,
    hours: Annotated[float, typer.Option(help="With --audio: hours of non-wake speech for false wakes.")] = 1.0,
    learning: Annotated[bool, typer.Option("--learn", help="Time `ambient learn` on a synthetic turn log instead.")] = False,
    log_turns: Annotated[int, typer.Option(help="With --learn: turns in the synthetic log.")] = 1_000_000,
    context: Annotated[bool, typer.Option("--context", help="Score ambiguous requests in generated homes with and without context instead.")] = False,
    homes: Annotated[int, typer.Option(help="With --context: generated homes (ten requests each).")] = 25,
    seed: Annotated[int, typer.Option(help="With --context: seed of the generated homes.")] = 0,
    fleet: Annotated[bool, typer.Option("--fleet", help="Many homes at once on one mosquitto and one database instead.")] = False,
    fleet_homes: Annotated[int, typer.Option("--fleet-homes", help="With --fleet: homes, each asking once a second.")] = 100,
    fleet_seconds: Annotated[float, typer.Option("--fleet-seconds", help="With --fleet: seconds of traffic.")] = 30.0,
    db: Annotated[str | None, typer.Option("--db", help="With --fleet: the database (default: a throwaway PostgreSQL).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Text: turn latency, parse throughput, held-out intent accuracy. --audio: the voice front-end.
    --learn: mining a million logged turns into rewrites. --context: context on vs off. --fleet: many homes on one
    broker and one database."""
    from dataclasses import asdict

    from rich.table import Table

    _setup_logging(False)
    if fleet:
        from simulator import fleet_bench

        logging.getLogger("agent").setLevel(logging.ERROR)  # a hundred agents' start-up lines
        figures = asdict(fleet_bench.run(fleet_homes, fleet_seconds, db))
        targets = {"turns_per_s": f">= {fleet_homes * 0.95:g}", "turn_p99_ms": "<= 50", "lost_turns": "0"}
    elif context:
        from simulator import context_bench

        figures = context_bench.as_dict(context_bench.run(homes, seed))
        targets = {"accuracy_with_context": ">= 0.95", "gain": "> 0"}
    elif learning:
        from simulator import learn_bench

        figures = asdict(learn_bench.run(log_turns))
        targets = {"learn_s": "<= 60"}
    elif audio or wyoming:
        from agent.bench import as_dict
        from simulator import audio_bench, wyoming_bench

        logging.getLogger("agent").setLevel(logging.ERROR)
        def progress(message: str) -> None:
            err.print(f"[dim]{escape(message)}[/dim]")

        result = (_or_fail(lambda: wyoming_bench.run(commands or 40, progress=progress)) if wyoming
                  else audio_bench.run(commands or 200, hours, progress=progress))
        if as_json:
            print(json.dumps(as_dict(result)))
        elif isinstance(result, wyoming_bench.WyomingFigures):
            _print_wyoming(result)
        else:
            _print_audio(result)
        return
    else:
        from agent import bench as benchmark

        figures = benchmark.as_dict(benchmark.run(turns, lines))
        targets = {"turn_p50_ms": "<= 10", "turn_p99_ms": "<= 30", "rewrite_p99_ms": "<= 2", "parse_per_s": ">= 500",
                   "parse_cli_per_s": ">= 500", "say_cold_start_s": "< 5", "intent_accuracy": ">= 0.95",
                   "template_accuracy": ">= 0.995", "free_intent_accuracy": ">= 0.95",
                   "parse_p50_ms": "<= hassil_p50_ms", "everyday_actions": "0"}
    if as_json:
        print(json.dumps(figures))
        return
    title = " --learn" if learning else " --context" if context else " --fleet" if fleet else ""
    table = Table(title="ambient bench" + title)
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("target", style="dim")
    for key, value in figures.items():
        table.add_row(key, str(value), targets.get(key, ""))
    console.print(table)


def _print_audio(figures: AudioFigures) -> None:
    """The audio benchmark's tables: one row per recognizer, one per wake word, targets beside them."""
    from rich.table import Table

    engines = Table(title=f"ambient bench --audio: {figures.commands} held-out commands, no enrollment "
                          f"(typed: {figures.accuracy_typed:.1%})")
    columns = [("engine", ""), ("Piper", ">= 95 %"), ("Piper 10 dB", ">= 85 %"), ("Piper in a room", ""),
               ("wake phrase and request 15-25 dB apart", ""),
               ("espeak-ng", ">= 90 %"), ("espeak-ng 10 dB", ">= 85 %"), ("wake", ""), ("actions from non-commands", "0"),
               ("real speech WER", ""), ("RTF p50/p99", ""), ("end of speech to action p50/p99 ms", "<= 500 / 1200")]
    for name, target in columns:
        engines.add_column(f"{name}\n[dim]{target}[/dim]" if target else name, justify="right")
    for e in figures.engines:
        wer = "n/a" if e.real_wer is None else f"{e.real_wer:.1%}"
        engines.add_row(e.engine, f"{e.accuracy_piper:.1%}", f"{e.accuracy_piper_10db:.1%}",
                        f"{e.accuracy_piper_room:.1%}", f"{e.accuracy_levels_apart:.1%}", f"{e.accuracy_espeak:.1%}",
                        f"{e.accuracy_espeak_10db:.1%}", f"{e.wake_rate:.1%}",
                        f"{e.non_command_actions} of {e.non_command_turns} turns", wer,
                        f"{e.asr_rtf_p50:.3f} / {e.asr_rtf_p99:.3f}",
                        f"{e.eos_to_action_p50_ms:.0f} / {e.eos_to_action_p99_ms:.0f}")
    console.print(engines)
    wakes = Table(title="wake words: detection on \"<wake word>, <command>\", false wakes on everyday speech")
    for name in ("wake word", "detection\n[dim]>= 95 %[/dim]", "false wakes", "hours", "per 10 h\n[dim]<= 1[/dim]"):
        wakes.add_column(name, justify="right")
    for w in figures.wakes:
        wakes.add_row(w.wake_word, f"{w.detection:.1%}", str(w.false_wakes), f"{w.hours:.2f}", f"{w.false_wakes_per_10h:.1f}")
    console.print(wakes)
    console.print(f"barge-in: stop() to silence p50 {figures.barge_in_stop_p50_ms:.1f} ms, "
                  f"p99 {figures.barge_in_stop_p99_ms:.1f} ms (target <= 100)")


def _print_wyoming(figures: WyomingFigures) -> None:
    """Our Wyoming speech to text beside Home Assistant's Whisper server, and our speech's timings."""
    from rich.table import Table

    table = Table(title=f"ambient bench --wyoming: {figures.commands} held-out home commands, {figures.recordings} "
                        "recordings (Piper, espeak-ng en-us), Whisper tiny.en on both, measured by wyoming-bench")
    for name in ("figure", figures.ours.server, figures.theirs.server, "ours / theirs"):
        table.add_column(name, justify="right")
    ours, theirs = figures.ours, figures.theirs
    table.add_row("word error rate", f"{ours.wer:.2%}", f"{theirs.wer:.2%}",
                  "n/a" if figures.wer_ratio is None else f"{figures.wer_ratio:.2f} [dim](< 1)[/dim]")
    table.add_row("exact transcripts", f"{ours.exact:.1%}", f"{theirs.exact:.1%}", "")
    table.add_row("same command as said", f"{ours.command_accuracy:.1%}", f"{theirs.command_accuracy:.1%}", "")
    table.add_row("end of audio to transcript p50 / p99 ms", f"{ours.latency_p50_ms:.0f} / {ours.latency_p99_ms:.0f}",
                  f"{theirs.latency_p50_ms:.0f} / {theirs.latency_p99_ms:.0f}",
                  f"{figures.latency_p50_ratio:.2f} [dim](<= 1)[/dim]")
    table.add_row("requests that failed", str(ours.failed), str(theirs.failed), "")
    console.print(table)
    if figures.tts is not None:
        tts = figures.tts
        console.print(f"our tts ({tts.requests} requests, {tts.failed} failed): first audio p50 "
                      f"{tts.first_audio_p50_ms:.0f} ms, p99 {tts.first_audio_p99_ms:.0f} ms; real-time factor p50 "
                      f"{tts.rtf_p50:.3f}")


@app.command()
def learn(
    db: DbOpt = DEFAULT_DB,
    out: Annotated[Path, typer.Option("--out", help="The rewrite table to write (a running agent reloads it).")] = Path("rewrites.json"),
    min_support: Annotated[float, typer.Option(help="Turns a request must have been said in.")] = 3.0,
    min_probability: Annotated[float, typer.Option(help="Probability the rewrite ends in success.")] = 0.6,
) -> None:
    """Mine the turn log's rephrases into precomputed rewrites (an absorbing Markov chain across users)."""
    import time

    from agent.learn.mine import relearn

    began = time.perf_counter()
    table, retired = _or_fail(lambda: relearn(db, out, min_support, min_probability))
    console.print(f"{len(table.active())} rewrites in service ({len(table.disabled)} out of service, "
                  f"{len(retired)} newly retired) in {time.perf_counter() - began:.1f} s -> {out}")
    for source, why in retired.items():
        console.print(f"  retired {escape(source)}: {escape(why)}")
    for rule in list(table.active().values())[:10]:
        console.print(f"  {escape(rule.source)} -> {escape(rule.target)}  (p {rule.probability:.2f}, "
                      f"as said {rule.baseline:.2f}, support {rule.support:g})")


@app.command()
def ab(
    population: Annotated[Path, typer.Option("--population", help="Population file (YAML).")] = SCENARIOS / "populations" / "demo.yaml",
    seed: int = 0,
    train_days: int = 7,
    test_days: int = 3,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Self-learning A/B on a simulated population: learning off vs on, judged on days the learner never saw."""
    from dataclasses import asdict

    from rich.table import Table

    from simulator import ab as experiment
    from simulator.population import load_population

    _setup_logging(False)
    people = _or_fail(lambda: load_population(population))
    figures = asdict(_run(lambda: experiment.run(people, train_days, test_days, seed)))
    if as_json:
        print(json.dumps(figures))
        return
    targets = {"relative_reduction": ">= 0.35", "win_loss": ">= 12", "unconfirmed_security_from_rewrites": "0",
               "rewrite_p99_ms": "<= 2"}
    table = Table(title=f"ambient ab ({population.name}, seed {seed})")
    for column in ("figure", "value", "target"):
        table.add_column(column)
    for key, value in figures.items():
        table.add_row(key, str(value), targets.get(key, ""))
    console.print(table)


FAULTS_POPULATION = SCENARIOS / "populations" / "faults.yaml"


@app.command()
def isolate(
    db: Annotated[str | None, typer.Option("--db", help="Label the failure point of this log's turns.")] = None,
    population: Annotated[Path, typer.Option("--population", help="Fault population the isolator learns from; without --db, judged on held-out seeds of it.")] = FAULTS_POPULATION,
    every: Annotated[bool, typer.Option("--all", help="With --db: list correct turns too.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Failure-point isolation: the first stage that failed beyond recovery in each defective turn (false wake,
    ASR, NLU, entity resolution, result), with the reasons; without --db, accuracy against injected faults."""
    from simulator import isolate_bench
    from simulator.population import load_population

    _setup_logging(False)
    people = _or_fail(lambda: load_population(population))
    if db is None:
        _print_isolation(isolate_bench.run(people, population), as_json)
        return
    from agent.isolate.features import featurize_all
    from agent.log.reader import all_traces

    pairs = _or_fail(lambda: list(featurize_all(all_traces(db))))
    isolator = isolate_bench.trained(people, population)
    decisions = isolator.decide([f for _, f in pairs])
    rows = [(turn, decision) for (turn, _), decision in zip(pairs, decisions) if every or decision.label != "correct"]
    if as_json:
        for turn, decision in rows:
            print(json.dumps({"turn_id": turn.turn_id, "user": turn.user, "device": turn.device,
                              "text": turn.heard, "label": decision.label,
                              "probability": decision.probability, "reasons": dict(decision.reasons)}))
        return
    from rich.table import Table

    table = Table(title=f"failure points: {len(rows)} of {len(pairs)} turns")
    for column in ("user", "said", "failure point", "p", "why"):
        table.add_column(column)
    for turn, decision in rows:
        why = ", ".join(f"{name} {drop:+.2f}" for name, drop in decision.reasons)
        table.add_row(escape(turn.user), escape(turn.heard), decision.label, f"{decision.probability:.2f}", why)
    console.print(table)


def _print_isolation(figures: IsolationFigures, as_json: bool) -> None:
    from dataclasses import asdict

    from rich.table import Table

    if as_json:
        print(json.dumps(asdict(figures)))
        return
    console.print(f"isolation accuracy on {figures.turns} held-out turns: {figures.accuracy:.1%} (target >= 95 %)")
    table = Table(title="confusion matrix (rows: truth; columns: label given)")
    labels = list(figures.confusion)
    for column in ("truth", *labels, "accuracy"):
        table.add_column(column, justify="right")
    for truth, row in figures.confusion.items():
        table.add_row(truth, *(str(row[g]) for g in labels), f"{figures.per_label[truth]:.1%}")
    console.print(table)


@app.command()
def retrain(
    db: Annotated[str | None, typer.Option("--db", help="Turn log to take automatic labels from; without it, a simulated population's.")] = None,
    population: Annotated[Path, typer.Option("--population", help="Population whose held-out traffic judges the retrained NLU.")] = SCENARIOS / "populations" / "phrasings.yaml",
    out: Annotated[Path, typer.Option("--out", help="Where the labels go (the agent's `labels` setting: it trains with them).")] = Path("nlu_labels.json"),
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Fold automatic labels (failed requests labelled by the successful rephrase after them) into the NLU's
    training set; intent accuracy before and after, on held-out simulated traffic and the hand-written set."""
    from dataclasses import asdict

    from simulator import retrain_bench
    from simulator.population import load_population

    _setup_logging(False)
    people = _or_fail(lambda: load_population(population))
    labels = _or_fail(lambda: retrain_bench.logged_labels(db)) if db else None
    figures, used = retrain_bench.run(people, labels=labels)
    from agent.learn.labels import write_labels

    write_labels(*used, out)
    if as_json:
        print(json.dumps(asdict(figures)))
        return
    console.print(f"{figures.labels} labels -> {out}")
    console.print(f"intent accuracy on {figures.traffic_requests} held-out simulated requests: "
                  f"{figures.traffic_accuracy_before:.1%} -> {figures.traffic_accuracy_after:.1%}")
    console.print(f"intent accuracy on the hand-written test set: {figures.handwritten_accuracy_before:.1%} -> "
                  f"{figures.handwritten_accuracy_after:.1%}")


@app.command()
def report(
    db: DbOpt = DEFAULT_DB,
    out: Annotated[Path, typer.Option("--out", help="Folder for index.html and its figures.")] = Path("out/report"),
    population: Annotated[Path, typer.Option("--population", help="Fault population the failure-point isolator learns from.")] = FAULTS_POPULATION,
) -> None:
    """An HTML report of the turn log: defect rate over time, failures by stage, top failing requests, rewrite
    wins and losses, per user and per satellite."""
    from agent.log.reader import all_traces
    from agent.report.page import write_report
    from agent.report.stats import compute
    from simulator import isolate_bench
    from simulator.population import load_population

    _setup_logging(False)
    traces = _or_fail(lambda: list(all_traces(db)))
    people = _or_fail(lambda: load_population(population))
    isolator = isolate_bench.trained(people, population)
    page = write_report(compute(traces, isolator), out)
    console.print(f"{len(traces)} turns -> {page}")


@app.command()
def replay(
    turn_id: Annotated[str, typer.Argument(help="The logged turn's id (or the start of it).")],
    act: Annotated[bool, typer.Option("--act", help="Carry the request out again (default: only understand it).")] = False,
    home: HomeOpt = DEFAULT_HOME, broker: BrokerOpt = None, db: DbOpt = DEFAULT_DB, verbose: bool = False,
) -> None:
    """Replay a logged turn from its events: what it did then, and what the agent makes of it now."""
    from agent.log.reader import find_turn
    from agent.replay import replay as replayed
    from agent.replay import replay_input
    from agent.trace import Stage

    _setup_logging(verbose)
    then = _or_fail(lambda: find_turn(db, turn_id))
    if then is None:
        _fail(ValueError(f"no single turn {turn_id!r} in the turn log at {db}"))
    _or_fail(lambda: replay_input(then))
    config = AgentConfig(home=home, db=None, require_wake=False)

    async def main() -> TurnTrace:
        async with _live_agent(config, broker) as agent:
            return await replayed(agent, then, Stage.TTS if act else Stage.RESOLVE)

    now = _run(main)
    for when, trace in (("then", then), ("now", now)):
        done = f"{trace.outcome}: {trace.response}" if trace.outcome else "(not carried out)"
        console.print(f"{when:>4}  {escape(trace.heard)!r} -> {trace.intent} {', '.join(trace.devices) or '-'}  {escape(done)}",
                      soft_wrap=True)


home_app = typer.Typer(help="The home's devices: what the agent knows of them, and importing real ones.",
                       no_args_is_help=True)
app.add_typer(home_app, name="home")


@home_app.command("show")
def home_show(home: HomeOpt = DEFAULT_HOME) -> None:
    """Each device: name, area, type, and the MQTT topics, payload dialect and property names it is reached by."""
    from rich.table import Table

    from agent import topics
    from agent.home import load_home

    model = _or_fail(lambda: load_home(home))
    table = Table(title=f"{model.name}: {len(model.devices)} devices")
    for column in ("id", "name", "area", "type", "state topic", "set topic", "dialect", "properties"):
        table.add_column(column)
    for d in model.devices:
        renamed = ", ".join(f"{ours}={theirs}" for ours, theirs in d.properties.items())
        own = d.topics.attributes.items()  # values on topics of their own, a line each under the device's topics
        states = [d.topic(topics.STATE), *(f"{key}: {a.state}" for key, a in own if a.state)]
        sets = [d.topic(topics.SET), *(f"{key}: {a.set}" for key, a in own if a.set)]
        table.add_row(d.id, escape(d.name), model.area_name(d.area) or d.area, d.type, escape("\n".join(states)),
                      escape("\n".join(sets)), d.dialect, escape(renamed))
    console.print(table)


@home_app.command("import")
def home_import(
    broker: Annotated[str, typer.Option("--broker", help="mqtt[s]://[user:pass@]host:port of the real home's broker.")],
    out: Annotated[Path, typer.Option("--out", help="The home file to write.")],
    home: Annotated[Path | None, typer.Option("--home", help="A home file to add to (its devices are kept as they are).")] = None,
    wait: Annotated[float, typer.Option(help="Seconds to listen for discovery messages.")] = 1.5,
) -> None:
    """Import the devices Home Assistant MQTT discovery and Zigbee2MQTT announce into a home file."""
    from agent.broker import parse_broker_url
    from agent.discovery import discover, home_yaml, import_devices
    from agent.home import load_home

    address = _or_fail(lambda: parse_broker_url(broker))
    base = _or_fail(lambda: load_home(home)) if home else None
    found = _run(lambda: discover(address, wait))
    imported = import_devices(found, base)
    out.write_text(home_yaml(imported), encoding="utf-8")
    console.print(f"{len(found)} devices announced; {len(imported.devices)} in {out}")


rewrites_app = typer.Typer(help="The precomputed rewrites: what they are, and taking one out of service.",
                          no_args_is_help=True)
app.add_typer(rewrites_app, name="rewrites")
TableOpt = Annotated[Path, typer.Option("--table", help="The rewrite table (`ambient learn --out`).")]


@rewrites_app.command("list")
def rewrites_list(table: TableOpt = Path("rewrites.json")) -> None:
    """Every rewrite, in service or not."""
    from rich.table import Table

    from agent.rewrite.table import load_table

    found = _or_fail(lambda: load_table(table))
    shown = Table(title=f"{len(found.active())} rewrites in service, {len(found.disabled)} out of service")
    for column in ("said", "becomes", "p", "as said", "support", "status"):
        shown.add_column(column)
    for rule in found.rules:
        shown.add_row(rule.source, rule.target, f"{rule.probability:.2f}", f"{rule.baseline:.2f}",
                      f"{rule.support:g}", found.disabled.get(rule.source, "in service"))
    console.print(shown)


@rewrites_app.command("show")
def rewrites_show(source: str, table: TableOpt = Path("rewrites.json"), db: DbOpt = DEFAULT_DB) -> None:
    """One rewrite, and how the turns it rewrote went (from the turn log)."""
    from agent.learn.mine import applied
    from agent.log.reader import read_turns
    from agent.rewrite.table import load_table
    from agent.text import spoken

    found = _or_fail(lambda: load_table(table))
    rule = next((r for r in found.rules if r.source == spoken(source)), None)
    if rule is None:
        _fail(ValueError(f"no rewrite for {source!r} in {table}"))
    wins, losses = _or_fail(lambda: applied(read_turns(db))).get(rule.source, (0, 0))
    console.print(f"{escape(rule.source)} -> {escape(rule.target)}\n"
                  f"  succeeds with p {rule.probability:.2f} (as said {rule.baseline:.2f}), support {rule.support:g}\n"
                  f"  applied {wins + losses} times: {wins} won, {losses} lost\n"
                  f"  {escape(found.disabled.get(rule.source, 'in service'))}")


@rewrites_app.command("disable")
def rewrites_disable(source: str, table: TableOpt = Path("rewrites.json")) -> None:
    """Take a rewrite out of service (a running agent stops using it within a second; relearning keeps it out)."""
    from agent.rewrite.table import load_table, save_table
    from agent.text import spoken

    found = _or_fail(lambda: load_table(table))
    said = spoken(source)
    if said not in {r.source for r in found.rules}:
        _fail(ValueError(f"no rewrite for {source!r} in {table}"))
    found.disabled[said] = "disabled by a person"
    _or_fail(lambda: save_table(table, found))
    console.print(f"disabled: {escape(said)}")


@app.command()
def enroll(
    out: Annotated[Path | None, typer.Argument(help="Where to write the adapted model directory.")] = None,
    recordings: Annotated[Path | None, typer.Option(help="A folder of NAME.wav files, each with NAME.txt holding what was read.")] = None,
    record: Annotated[bool, typer.Option(help="Show the phrases one by one and record them from the microphone.")] = False,
    mic: Annotated[str | None, typer.Option(help="With --record: input device (name or index).")] = None,
    prompts: Annotated[int, typer.Option(help="How many phrases to read (printed when neither --record nor --recordings is given).")] = 25,
    seed: Annotated[int, typer.Option(help="Which phrases (one seed per person gives each their own).")] = 0,
    home: HomeOpt = DEFAULT_HOME,
) -> None:
    """Voice enrollment: adapt the recognizer to the household's voices from a few dozen read phrases."""
    from agent.asr import enroll as enrollment
    from agent.home import load_home

    texts = enrollment.prompts(_or_fail(lambda: load_home(home)), prompts, seed)
    if recordings is None and not record:
        print("\n".join(texts))
        return
    if out is None:
        _fail(ValueError("say where to write the model: ambient enroll MODEL_DIR --record | --recordings DIR"))
    if record:
        recordings = out / "recordings"
        _run(lambda: _record_phrases(texts, recordings, mic))
    from rich.progress import Progress

    from agent.audio.frames import SAMPLE_RATE, SAMPLE_WIDTH

    assert recordings is not None  # given, or just recorded
    read = _or_fail(lambda: enrollment.read_recordings(recordings))
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("adapting", total=1)
        result = _or_fail(lambda: enrollment.enroll(read, out, progress=lambda done, total: bar.update(
            task, completed=done, total=total)))
    for text in result.skipped:
        err.print(f"[yellow]skipped (audio does not match its text):[/yellow] {text}")
    if not result.used:
        _fail(ValueError(f"{recordings}: no recording matched its text; check that each .txt says what its .wav says"))
    seconds = sum(len(r.pcm) for r in read) / (SAMPLE_RATE * SAMPLE_WIDTH)
    console.print(f"adapted to {result.used} recordings ({seconds:.0f} s of audio) -> {result.model}")
    console.print(f"use it with: ambient listen --acoustic-model {result.model}")


async def _record_phrases(texts: list[str], folder: Path, mic: str | None, patience: int = 3) -> None:
    """Show each phrase, record it from the microphone into `folder` (NN.wav + NN.txt); after `patience`
    phrases in a row with nothing said, stop with what was recorded."""
    from agent.audio.record import utterances
    from agent.audio.sources import MicSource
    from agent.audio.wavfile import write_wav

    folder.mkdir(parents=True, exist_ok=True)
    console.print(f"Read each phrase aloud when it appears ({len(texts)} phrases).")
    done, silent = 0, 0
    console.print(f"[bold]{done + 1}/{len(texts)}[/bold]  {texts[done]}", soft_wrap=True)
    async for pcm in utterances(MicSource(mic)):
        if pcm is None:
            silent += 1
            if silent == patience:
                err.print(f"[yellow]nothing heard; stopping after {done} phrases[/yellow]")
                return
            console.print("[dim]… didn't hear anything; please read it again[/dim]")
            continue
        write_wav(folder / f"{done:02d}.wav", pcm)
        (folder / f"{done:02d}.txt").write_text(texts[done] + "\n", encoding="utf-8")
        done, silent = done + 1, 0
        if done == len(texts):
            return
        console.print(f"[bold]{done + 1}/{len(texts)}[/bold]  {texts[done]}", soft_wrap=True)


def _voice_config(asr: Asr, whisper_model: str | None, vosk_model: str | None, **fields: Any) -> AgentConfig:
    """An agent configuration for audio: `--vosk-model` implies vosk, an enrolled `--acoustic-model` pocketsphinx."""
    chosen = "vosk" if vosk_model else "pocketsphinx" if fields.get("acoustic_model") and asr != Asr.both else asr.value
    return _or_fail(lambda: AgentConfig(asr=chosen, whisper_model=whisper_model, vosk_model=vosk_model, **fields))


@app.command()
def listen(
    input_wav: Annotated[Path | None, typer.Option("--input", help="A recording to listen to instead of the microphone: WAV, FLAC, MP3, Ogg, M4A.")] = None,
    mic: Annotated[str | None, typer.Option(help="Input device (name or index); default: the system default.")] = None,
    user: Annotated[str, typer.Option(help="Who speaks.")] = "guest",
    device: Annotated[str | None, typer.Option(help="The satellite this microphone belongs to.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON turn trace per line.")] = False,
    wake_word: Annotated[str | None, typer.Option("--wake-word", help="A neural wake word: okay_nabu, hey_jarvis, hey_mycroft, alexa (microWakeWord), hey_rhasspy (openWakeWord), or a model file; default: \"hey home\", heard by the recognizer.")] = None,
    no_wake: Annotated[bool, typer.Option("--no-wake", help="Push-to-talk: every stretch of speech is a request.")] = False,
    asr: AsrOpt = Asr.whisper, whisper_model: WhisperOpt = None, vosk_model: VoskOpt = None,
    acoustic_model: AcousticOpt = None,
    tts: Annotated[Voice, typer.Option("--tts", help="Voice of the answers: pyttsx3 (espeak-ng) or piper.")] = Voice.pyttsx3,
    home: HomeOpt = DEFAULT_HOME, broker: BrokerOpt = None, db: DbOpt = DEFAULT_DB, verbose: bool = False,
) -> None:
    """Talk to the agent: wake word, request, spoken answer (interrupt it with the wake word or "stop")."""
    _setup_logging(verbose)
    config = _voice_config(asr, whisper_model, vosk_model, home=home, db=db, tts=tts.value, speech_dir=Path("out/speech"),
                           acoustic_model=acoustic_model, wake_word=wake_word, push_to_talk=no_wake)

    async def main() -> None:
        from rich.live import Live

        from agent.audio.playback import open_player
        from agent.audio.sources import FileSource, MicSource
        from agent.console import ListenStatus, add_turn, turn_table
        from agent.voice import VoiceLoop, build_engines
        from agent.wake.neural import which_model

        def show(trace: TurnTrace) -> None:
            if as_json:
                print(trace.to_json(), flush=True)
                return
            table = turn_table()
            add_turn(table, len(loop.traces), trace)
            status.turn(trace)
            console.print(table)

        # a file that cannot be read, or a wake word that does not exist, fails at once, before the agent starts
        recorded = FileSource(input_wav, trailing_silence_s=1.5) if input_wav is not None else None
        if wake_word:
            which_model(wake_word)
        async with _live_agent(config, broker) as agent:
            loop = VoiceLoop(agent, build_engines(agent, open_player()), satellite=device, user=user, on_turn=show,
                             on_partial=lambda text: status.partial(text))
            status = ListenStatus(loop, "" if no_wake else loop.engines.wake.phrase or agent.config.wake_phrase)
            with Live(status, console=console, refresh_per_second=8, transient=True) if not as_json \
                    else contextlib.nullcontext():
                if recorded is not None:
                    await loop.run(recorded, patient=True)
                else:
                    await listen_forever(loop, lambda: MicSource(mic))

    with contextlib.suppress(KeyboardInterrupt):
        _run(main)


@app.command()
def transcribe(
    wav: Annotated[Path, typer.Argument(help="A recording holding one request: WAV, FLAC, MP3, Ogg, M4A.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    asr: AsrOpt = Asr.whisper, whisper_model: WhisperOpt = None, vosk_model: VoskOpt = None,
    acoustic_model: AcousticOpt = None, home: HomeOpt = DEFAULT_HOME, verbose: bool = False,
) -> None:
    """What the recognizer hears in a recording: transcript, n-best, confidence, and which engine heard it."""
    _setup_logging(verbose)
    config = _voice_config(asr, whisper_model, vosk_model, home=home, acoustic_model=acoustic_model)

    def work() -> Transcript:
        from agent.audio.sources import FileSource
        from agent.home import load_home
        from agent.voice import recognize_whole, recognizer_for

        source = FileSource(wav)
        return recognize_whole(*recognizer_for(config, load_home(config.home)), source.pcm)

    transcript = _or_fail(work)
    if as_json:
        print(json.dumps({"text": transcript.text, "confidence": transcript.confidence,
                          "alternatives": list(transcript.alternatives), "engine": transcript.engine,
                          "heard": transcript.heard, "audio_s": round(transcript.audio_s, 3)}))
        return
    if not transcript.text:
        console.print(f"(no speech heard; {transcript.engine})")
        return
    console.print(f"{escape(transcript.text)}  [dim]({transcript.engine}, confidence {transcript.confidence:.2f})[/dim]")
    if transcript.heard:
        console.print(f"  [dim]heard[/dim] {escape(transcript.heard)}  [dim](corrected onto a phrase of the home)[/dim]")
    for n, alternative in enumerate(transcript.alternatives, 2):
        console.print(f"  [dim]{n}.[/dim] {escape(alternative)}")


@app.command()
def doctor(
    home: HomeOpt = DEFAULT_HOME,
    broker: Annotated[str | None, typer.Option("--broker", help="The broker to check (with the home's devices on it); default: none, commands start an embedded one.")] = None,
    db: DbOpt = DEFAULT_DB,
    mic: Annotated[str | None, typer.Option(help="The microphone to check (name or index); default: the system's.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per check.")] = False,
) -> None:
    """Check what a working setup needs, one line each, with what to do; exit 1 when a turn cannot be served."""
    from agent.doctor import Status, examine

    _setup_logging(False)
    marks = {Status.OK: "[green]ok  [/green]", Status.WARN: "[yellow]warn[/yellow]", Status.FAIL: "[red]fail[/red]"}
    failed = False
    for finding in examine(home, broker, db, mic):
        failed = failed or finding.status == Status.FAIL
        if as_json:
            print(json.dumps({"what": finding.what, "status": finding.status.value, "detail": finding.detail,
                              "fix": finding.fix}), flush=True)
            continue
        fix = f" [dim]-> {escape(finding.fix)}[/dim]" if finding.fix else ""
        console.print(f"{marks[finding.status]} {finding.what}: {escape(finding.detail)}{fix}", soft_wrap=True)
    if failed:
        raise typer.Exit(1)


@app.command()
def serve(
    wyoming: Annotated[str, typer.Option("--wyoming", help="Where to listen: tcp://HOST[:PORT] (port 10700 by default) or unix://PATH.")] = "tcp://0.0.0.0:10700",
    wake_word: Annotated[str, typer.Option("--wake-word", help="The wake word for clients that name none: okay_nabu, hey_jarvis, hey_mycroft, alexa, hey_rhasspy, hey_home, or a model file of your own (microWakeWord .json, openWakeWord .tflite), served under its file name.")] = "okay_nabu",
    user: Annotated[str, typer.Option(help="Who speaks, for the turn log.")] = "guest",
    asr: AsrOpt = Asr.whisper, whisper_model: WhisperOpt = None, vosk_model: VoskOpt = None,
    acoustic_model: AcousticOpt = None,
    tts: Annotated[Voice, typer.Option("--tts", help="The voice when a client names none: piper or pyttsx3 (espeak-ng).")] = Voice.piper,
    home: HomeOpt = DEFAULT_HOME, broker: BrokerOpt = None, db: DbOpt = DEFAULT_DB, verbose: bool = False,
) -> None:
    """Offer the agent to Home Assistant (or any Wyoming client): speech to text, wake words, whole turns as a
    conversation agent, intent recognition and text to speech, as one Wyoming server."""
    _setup_logging(verbose)
    config = _voice_config(asr, whisper_model, vosk_model, home=home, db=db, tts=tts.value, user=user,
                           acoustic_model=acoustic_model, require_wake=False)

    async def main() -> None:
        from agent.wyoming.server import WyomingServer, check_free, server_uri, services_for

        uri = server_uri(wyoming)  # a bad or busy address fails at once, before the agent starts
        check_free(uri)
        async with _live_agent(config, broker) as agent:
            server = WyomingServer(await asyncio.to_thread(services_for, agent, wake_word), uri)
            await server.start()
            err.print(f"[dim]Wyoming server at {uri}: asr ({config.asr}), wake (default {wake_word}), handle, intent, "
                      f"tts ({tts.value}). Ctrl-C to stop.[/dim]")
            try:
                await asyncio.Event().wait()  # until Ctrl-C or SIGTERM
            finally:
                await server.stop()

    with contextlib.suppress(KeyboardInterrupt):
        _run(main)


async def listen_forever(loop: VoiceLoop, open_source: Callable[[], AudioSource], retry_s: float = 1.0) -> None:
    """Keep listening: when the microphone goes away, say so and reopen it."""
    from agent.audio.sources import AudioDeviceError

    while True:
        try:
            await loop.run(open_source())
        except AudioDeviceError as exc:
            err.print(f"[yellow]microphone problem:[/yellow] {exc}; retrying in {retry_s:.0f} s")
        await asyncio.sleep(retry_s)
