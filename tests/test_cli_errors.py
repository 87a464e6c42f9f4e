"""Every command's typical failures, run as a new user runs them: one line that says what went wrong and what to
do, a non-zero exit status, no traceback (unless asked for with --verbose)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import wave
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent import cli

ROOT = Path(__file__).resolve().parent.parent
UNREACHABLE = "mqtt://127.0.0.1:1"


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    says: str
    """What the one line must say."""
    status: int = 2
    env: tuple[tuple[str, str], ...] = ()


def cases(tmp: Path, busy_port: int) -> dict[str, Case]:
    (tmp / "broken.yaml").write_text("areas: [{id: kitchen, name: kitchen}]\ndevices:\n  - {id: x, area: kitchen}\n")
    (tmp / "noise.wav").write_bytes(b"RIFF this is no audio at all")
    (tmp / "table.json").write_text("{not json")
    wav = str(tmp / "quiet.wav")
    with wave.open(wav, "wb") as quiet:
        quiet.setnchannels(1)
        quiet.setsampwidth(2)
        quiet.setframerate(16000)
        quiet.writeframes(bytes(32000))
    return {
        "unreachable broker": Case(("say", "--broker", UNREACHABLE, "hello"), "cannot reach the MQTT broker at 127.0.0.1:1"),
        "devices, unreachable broker": Case(("devices", "--broker", UNREACHABLE), "cannot reach the MQTT broker"),
        "import, unreachable broker": Case(("home", "import", "--broker", UNREACHABLE, "--out", str(tmp / "h.yaml")),
                                           "cannot reach the MQTT broker"),
        "bad broker URL": Case(("say", "--broker", "http://x", "hello"), "must start with mqtt:// or mqtts://"),
        "port in use": Case(("serve", "--wyoming", f"tcp://127.0.0.1:{busy_port}"), "already in use"),
        "bad listening address": Case(("serve", "--wyoming", "http://x"), "cannot listen on 'http://x'"),
        "missing Whisper model": Case(("transcribe", wav, "--whisper-model", str(tmp / "nope")), "Whisper model"),
        "missing Piper voice": Case(("listen", "--input", wav, "--tts", "piper"), "Piper voice",
                                    env=(("AMBIENT_PIPER_VOICE", str(tmp / "nope.onnx")),)),
        "unknown wake word": Case(("listen", "--input", wav, "--wake-word", "hey_computer"),
                                  "hey_computer"),
        "missing WAV": Case(("transcribe", str(tmp / "gone.wav")), "gone.wav"),
        "garbage WAV": Case(("transcribe", str(tmp / "noise.wav")), "noise.wav"),
        "broken home file": Case(("parse", "--home", str(tmp / "broken.yaml"), "hi"), "broken.yaml:3"),
        "missing home file": Case(("say", "--home", str(tmp / "gone.yaml"), "hi"), "gone.yaml: cannot read file"),
        "a home file where a scenario goes": Case(("simulate", str(ROOT / "scenarios" / "home.yaml")),
                                                  "this is a home file, not a scenario"),
        "a scenario where a home file goes": Case(("parse", "--home", str(ROOT / "scenarios" / "morning.yaml"), "hi"),
                                                  "this is a scenario, not a home file"),
        "unreachable database": Case(("learn", "--db", "postgresql://u@127.0.0.1:1/x"), "cannot read the turn log"),
        "unreadable database": Case(("report", "--db", f"sqlite:///{tmp}/no/such/dir/x.db"), "cannot read the turn log"),
        "bad database URL": Case(("isolate", "--db", "notaurl"), "cannot read the turn log at notaurl"),
        "garbage rewrite table": Case(("rewrites", "list", "--table", str(tmp / "table.json")), "table.json"),
    }


def test_every_command_fails_in_one_line_with_what_to_do(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        running = {name: subprocess.Popen([sys.executable, "-m", "agent", *case.args], cwd=tmp_path, text=True,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          env={**os.environ, **dict(case.env)})
                   for name, case in cases(tmp_path, busy.getsockname()[1]).items()}
        finished = {name: (process.communicate(timeout=120), process.returncode) for name, process in running.items()}
    expected, wrong = cases(tmp_path, 0), []
    for name, ((stdout, stderr), status) in finished.items():
        lines = [line for line in stderr.splitlines() if line.strip()]
        if status != expected[name].status or len(lines) != 1 or not lines[0].startswith("error: ") \
                or expected[name].says not in lines[0] or stdout.strip():  # no empty table before the error
            wrong.append(f"{name}: exit {status}, stdout {stdout[:200]!r}, stderr {stderr[-600:]!r}")
    assert not wrong, "\n".join(wrong)


def test_a_failure_nobody_foresaw_is_one_line_and_its_traceback_is_there_with_verbose(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def broken() -> None:
        raise KeyError("the flux capacitor")

    monkeypatch.setattr(cli, "app", broken)
    monkeypatch.setattr(sys, "argv", ["ambient", "say", "hi"])
    with pytest.raises(SystemExit) as ended:
        cli.main()
    assert ended.value.code == 1
    said = capsys.readouterr().err
    assert said.count("\n") == 1 and "KeyError: 'the flux capacitor'" in said and "--verbose" in said
    monkeypatch.setattr(sys, "argv", ["ambient", "say", "hi", "--verbose"])
    with pytest.raises(KeyError):
        cli.main()


def test_libraries_noise_is_kept_for_verbose_and_our_warnings_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    import logging
    import warnings

    from agent.console import setup_logging

    setup_logging(verbose=False)
    import aiomqtt  # noqa: F401 - importing it sets its logger's level, which must not let its noise through

    logging.getLogger("mqtt").warning("There are 14 pending publish calls.")
    warnings.warn("audioop is deprecated", UserWarning, stacklevel=1)
    logging.getLogger("agent.bus").warning("lost the broker (connection refused\n\tIs it running?)")
    assert capsys.readouterr().err == "WARNING agent.bus: lost the broker (connection refused Is it running?)\n"
    setup_logging(verbose=True)
    logging.getLogger("mqtt").warning("There are 14 pending publish calls.")
    assert "pending publish calls" in capsys.readouterr().err
    setup_logging(verbose=False)


def test_an_unreachable_database_still_answers_and_says_so_once(tmp_path: Path) -> None:
    """The turn log, the past turns and the taught preferences share the database: one outage, one cause told."""
    done = subprocess.run([sys.executable, "-m", "agent", "say", "what time is it", "--db",
                           "postgresql://u@127.0.0.1:1/x"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    said = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 0 and done.stdout.startswith("It's"), done.stderr
    assert len(said) == 2 and "Connection refused" in said[0] and "database is back" in said[1], said
    assert list(tmp_path.glob("*.spool.jsonl"))  # the turn is kept, to be written when the database is back
