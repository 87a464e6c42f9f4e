"""Our Wyoming server beside Home Assistant's Whisper server (`wyoming-faster-whisper`), measured in one run by
the third-party client `wyoming-bench` on the same recordings and the same model (the bundled Whisper tiny.en).

The recordings are held-out commands for the demo home (`simulator.audio_bench.commands`, never tuned on), each
spoken by Piper's neural voice and by espeak-ng's en-us voice, without the wake phrase: what a satellite sends
once its wake word has fired. Both servers run as subprocesses, one after the other, so neither shares the two
cores with the other while measured.

Home Assistant's server runs as its users run it, with what makes it the same model on the same hardware:
the bundled model directory (no download), `--compute-type int8` (ours quantizes to int8 on load; its default
would decode the float16 file in float32) and as many CPU threads as ours (the CPU count). Its beam size is its
own default (5 on x86, what Home Assistant's users run); ours decodes with a beam of 8 for its n-best list,
biases Whisper with the home's names, cuts its encoder window to 10 s and corrects the transcript onto the
phrases the home can mean: those are what is compared.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from wyoming.asr import Transcribe
from wyoming.info import Info
from wyoming_bench.const import MODE_NON_STREAMING
from wyoming_bench.info import fetch_info
from wyoming_bench.stt.accuracy import word_accuracy
from wyoming_bench.stt.bench import bench_stt_server
from wyoming_bench.stt.corpus import AudioInput, load_corpus
from wyoming_bench.stt.reporting import SttMeasurement
from wyoming_bench.tts.bench import bench_server
from wyoming_bench.tts.reporting import Measurement
from wyoming_bench.tts.texts import DEFAULT_TEXTS

from agent.audio.frames import SAMPLE_RATE, SAMPLE_WIDTH
from agent.bench import DEMO_HOME, percentile
from agent.broker import free_port
from agent.text import spoken
from simulator.audio_bench import Command, commands
from simulator.speech import PIPER, Voice, silence, synthesize

HOST = "127.0.0.1"
VOICES = (PIPER, "en-us")
"""Each command is spoken once per voice: the neural one and the robotic one Whisper finds harder."""
LEAD_S, TRAIL_S = 0.2, 0.3
"""Silence around each command: what is left of the room around the words once a satellite's VAD has cut it."""
STARTUP_S = 300.0
"""How long a server may take to answer `describe` (ours loads the NLU, Whisper, a broker and the devices; the
two cores may be busy with other work)."""
TIMEOUT_S = 60.0
"""wyoming-bench's connect and per-event read timeout."""
TTS_ROUNDS = 3
"""wyoming-bench's default texts (one to four sentences) are synthesized this many times each."""


class ServerFailed(OSError):
    """A server would not start, or stopped answering: the message says which and ends with its last output."""


@dataclass
class AsrFigures:
    """One server's transcripts of the corpus."""

    server: str
    recordings: int
    failed: int
    """Requests that got no transcript (scored as an empty one)."""
    wer: float
    """Word errors over reference words, the whole corpus pooled: wyoming-bench's edit counts on both texts as
    the words one says (`agent.text.spoken`: "15%" is "fifteen percent"), so that a server writing digits and
    one writing words are scored on what they heard, not on how they spell numbers."""
    exact: float
    """Share of transcripts with exactly the reference's words (said the same way)."""
    command_accuracy: float
    """Share of transcripts our NLU and resolver understand as the same command as the reference text."""
    latency_p50_ms: float
    """wyoming-bench's t_end - t_sent: from the `transcribe` event to the transcript. The recording follows it
    unpaced (all of it sent within about 1 ms here), so this is the wait after the end of the audio."""
    latency_p99_ms: float


@dataclass
class TtsFigures:
    """Our server's speech for wyoming-bench's default texts (non-streaming synthesis)."""

    requests: int
    failed: int
    first_audio_p50_ms: float
    """From the synthesize request to the first audio chunk."""
    first_audio_p99_ms: float
    rtf_p50: float
    """Time to the last audio chunk over the length of the audio."""


@dataclass
class WyomingFigures:
    """What `ambient bench --wyoming` prints."""

    commands: int
    recordings: int
    ours: AsrFigures
    theirs: AsrFigures
    wer_ratio: float | None
    """Ours over theirs (None when theirs made no error)."""
    latency_p50_ratio: float
    tts: TtsFigures | None
    """None when our server offers no tts or it answered nothing (the reason went to `progress`)."""


@dataclass(frozen=True)
class Meaning:
    """What a text asks of the demo home: two texts mean the same command when these are equal."""

    intent: str
    devices: tuple[str, ...]
    values: tuple[tuple[str, str], ...]
    """The resolved values (brightness, temperature, duration, search query, ...), as lower-case text."""


def ours_command(port: int, tmp: Path) -> list[str]:
    """Our server with its own embedded broker and simulated devices, logging turns to a throwaway database."""
    return [sys.executable, "-m", "agent", "serve", "--wyoming", f"tcp://{HOST}:{port}", "--home", str(DEMO_HOME),
            "--db", f"sqlite:///{tmp}/bench.db"]


def theirs_command(port: int, tmp: Path) -> list[str]:
    """wyoming-faster-whisper on our bundled tiny.en directory (see the module docstring for the options)."""
    from agent.asr.whisper_engine import bundled_model

    return [sys.executable, "-m", "wyoming_faster_whisper", "--uri", f"tcp://{HOST}:{port}",
            "--model", str(bundled_model()), "--stt-library", "faster-whisper", "--data-dir", str(tmp / "whisper"),
            "--local-files-only", "--language", "en", "--compute-type", "int8",
            "--cpu-threads", str(os.cpu_count() or 1)]


def recorded(cmds: Sequence[Command]) -> Iterator[tuple[str, str, np.ndarray]]:
    """(sample name, reference text, 16 kHz audio) for each command in each voice."""
    for i, cmd in enumerate(cmds):
        for voice in VOICES:
            audio = np.concatenate([silence(LEAD_S), synthesize(cmd.text, Voice(voice)), silence(TRAIL_S)])
            yield f"{i:03d}-{voice}", cmd.text, audio


def write_corpus(directory: Path, recordings: Iterable[tuple[str, str, np.ndarray]]) -> None:
    """wyoming-bench's corpus layout: `<name>.wav` (16 kHz mono 16-bit) beside `<name>.txt` (the reference)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text, audio in recordings:
        with wave.open(str(directory / f"{name}.wav"), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(SAMPLE_WIDTH)
            wav.setframerate(SAMPLE_RATE)
            wav.writeframes(audio.astype("<i2").tobytes())
        (directory / f"{name}.txt").write_text(text + "\n", encoding="utf-8")


def tail(log: Path, lines: int = 4) -> str:
    """The last lines of a server's output, on one line."""
    text = log.read_text(errors="replace") if log.exists() else ""
    last = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    return " | ".join(last)[-600:] or "(no output)"


def wait_ready(name: str, process: subprocess.Popen[bytes], port: int, log: Path, timeout: float) -> Info:
    """The server's info, once it answers `describe`; ServerFailed if it exits or stays silent."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise ServerFailed(f"{name} exited with code {process.returncode} before it was ready: {tail(log)}")
        try:
            info = asyncio.run(fetch_info(HOST, port, 5.0))
        except OSError:
            info = None  # not listening yet (refused, or the connect timed out)
        if info is not None:
            return info
        if time.monotonic() > deadline:
            raise ServerFailed(f"{name} did not answer describe within {timeout:.0f} s: {tail(log)}")
        time.sleep(1.0)


@contextlib.contextmanager
def served(name: str, command: Callable[[int], list[str]], tmp: Path, say: Callable[[str], None],
           timeout: float = STARTUP_S) -> Iterator[tuple[int, Info]]:
    """Run a Wyoming server on a free port until the block ends; its (port, info) once it answers `describe`.

    It gets a session of its own so that stopping it also stops anything it started."""
    port = free_port(HOST)
    log = tmp / f"{name}.log"
    began = time.monotonic()
    with open(log, "wb") as out:
        process = subprocess.Popen(command(port), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                   cwd=tmp, start_new_session=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    try:
        info = wait_ready(name, process, port, log, timeout)
        say(f"{name} ready on port {port} after {time.monotonic() - began:.1f} s")
        yield port, info
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def transcribe_all(server: str, port: int, samples: list[AudioInput], info: Info) -> list[SttMeasurement]:
    """One transcript per sample, after one untimed warm-up (wyoming-bench's own lines are swallowed); a
    ServerFailed when the server stops taking connections (wyoming-bench then stops measuring it)."""
    with contextlib.redirect_stdout(io.StringIO()):
        measurements = asyncio.run(bench_stt_server(
            HOST, port, samples, [MODE_NON_STREAMING], Transcribe(language="en"), rounds=1, warmup=1, verbose=False,
            chunk_samples=1024, chunk_delay=0.0, connect_timeout=TIMEOUT_S, read_timeout=TIMEOUT_S, info=info))
    if len(measurements) < len(samples) or measurements[-1].connection_failed:
        error = measurements[-1].error if measurements else "the warm-up request failed"
        raise ServerFailed(f"{server} stopped answering after {len(measurements)} of {len(samples)} recordings: {error}")
    return measurements


def synthesize_all(port: int, info: Info) -> list[Measurement]:
    """wyoming-bench's default texts through the server's tts, each with a random suffix so that no cache
    answers for the synthesizer."""
    with contextlib.redirect_stdout(io.StringIO()):
        return asyncio.run(bench_server(
            HOST, port, DEFAULT_TEXTS, [MODE_NON_STREAMING], voice=None, text_format=None, rounds=TTS_ROUNDS,
            warmup=1, verbose=False, chunk_delay=0.0, connect_timeout=TIMEOUT_S, read_timeout=TIMEOUT_S,
            unique=True, info=info))


def understood(texts: Iterable[str]) -> dict[str, Meaning]:
    """Each text as the demo home's kitchen speaker would act on it: our NLU, then our resolver."""
    from agent.bench import kitchen_context
    from agent.home import load_home
    from agent.nlu.model import NluModel
    from agent.resolve import resolve

    home = load_home(DEMO_HOME)
    model = NluModel.load(home)
    ctx = kitchen_context(home)
    unique = sorted(set(texts))
    meanings = {}
    for text, intent in zip(unique, model.parse_many(unique)):
        resolution = resolve(intent, ctx)
        values = tuple(sorted((k, str(v).lower()) for k, v in resolution.values.items()))
        meanings[text] = Meaning(intent.name, resolution.devices, values)
    return meanings


def asr_figures(server: str, measurements: Sequence[SttMeasurement], meanings: Mapping[str, Meaning]) -> AsrFigures:
    """Pooled word error rate, exact and understood transcripts, latency; a request that failed counts as an
    empty transcript (all its words deleted, not understood).

    A transcript is understood when it means the same command as the reference text does, both read by our NLU
    and resolver: what the recognizer changed, whatever the NLU makes of the words as written."""
    ok = [m for m in measurements if m.ok]
    if not ok:
        raise ServerFailed(f"{server} returned no transcript: {measurements[0].error if measurements else 'no requests'}")
    errors = words = exact = same = 0
    for m in measurements:
        scored = word_accuracy(spoken(m.hypothesis) if m.ok else "", spoken(m.reference))
        errors += scored["errors"]
        words += scored["n_ref"]
        exact += m.ok and scored["exact"]
        same += m.ok and meanings[m.hypothesis] == meanings[m.reference]
    latencies = [m.total_s * 1000 for m in ok if m.total_s is not None]
    return AsrFigures(server=server, recordings=len(measurements), failed=len(measurements) - len(ok),
                      wer=errors / words, exact=exact / len(measurements),
                      command_accuracy=same / len(measurements), latency_p50_ms=statistics.median(latencies),
                      latency_p99_ms=percentile(latencies, 0.99))


def tts_figures(measurements: Sequence[Measurement]) -> TtsFigures | None:
    ok = [m for m in measurements if m.ok and m.ttft_s is not None and m.rtf is not None]
    if not ok:
        return None
    first = [(m.ttft_s or 0.0) * 1000 for m in ok]
    return TtsFigures(requests=len(measurements), failed=len(measurements) - len(ok),
                      first_audio_p50_ms=statistics.median(first), first_audio_p99_ms=percentile(first, 0.99),
                      rtf_p50=statistics.median(m.rtf or 0.0 for m in ok))


def label(name: str, info: Info) -> str:
    """The server's name with the ASR program it advertises."""
    return f"{name} ({info.asr[0].name})" if info.asr else name


def run(count: int = 40, seed: int = 0, progress: Callable[[str], None] | None = None) -> WyomingFigures:
    """Speak `count` held-out commands in both voices, then transcribe them with Home Assistant's Whisper
    server and with ours, and synthesize wyoming-bench's texts with ours."""
    say = progress or (lambda _: None)
    cmds = commands(count, seed)
    with tempfile.TemporaryDirectory(prefix="wyoming-bench-") as name:
        tmp = Path(name)
        write_corpus(tmp / "corpus", recorded(cmds))
        with contextlib.redirect_stdout(io.StringIO()):
            samples = load_corpus(tmp / "corpus")
        say(f"corpus: {len(samples)} recordings, {sum(s.duration_s for s in samples):.0f} s of speech")
        with served("wyoming-faster-whisper", lambda port: theirs_command(port, tmp), tmp, say) as (port, info):
            theirs_label = label("wyoming-faster-whisper", info)
            theirs = transcribe_all(theirs_label, port, samples, info)
        say(f"{theirs_label}: {sum(m.ok for m in theirs)} of {len(theirs)} transcribed")
        with served("ambient serve", lambda port: ours_command(port, tmp), tmp, say) as (port, info):
            if not info.asr:
                raise ServerFailed("ambient serve offers no asr service")
            ours_label = label("ambient serve", info)
            ours = transcribe_all(ours_label, port, samples, info)
            say(f"{ours_label}: {sum(m.ok for m in ours)} of {len(ours)} transcribed")
            answers = synthesize_all(port, info) if info.tts else []
    meanings = understood([m.reference for m in ours + theirs] + [m.hypothesis for m in ours + theirs])
    tts = tts_figures(answers)
    if tts is None:
        say(f"ambient serve's tts returned no audio: {answers[0].error}" if answers else "ambient serve offers no tts")
    mine, other = asr_figures(ours_label, ours, meanings), asr_figures(theirs_label, theirs, meanings)
    return WyomingFigures(commands=len(cmds), recordings=len(samples), ours=mine, theirs=other,
                          wer_ratio=mine.wer / other.wer if other.wer else None,
                          latency_p50_ratio=mine.latency_p50_ms / other.latency_p50_ms, tts=tts)

