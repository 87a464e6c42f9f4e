"""`ambient listen` shows that it listens: a live status line (what it is doing, the input's level, what it heard,
what it did, and why nothing happens when nothing does) on a terminal; `--json` stays one trace per line.
Processes run on a pseudo-terminal's terms (Rich's TTY_COMPATIBLE / TTY_INTERACTIVE) and, for the microphone,
on a fake sound card."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from agent.audio.wavfile import write_wav
from simulator.sound_card import alsa_env, fake_sound_card
from simulator.speech import PIPER, Voice, silence, synthesize

TERMINAL = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "COLUMNS": "200"}
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def listen(*args: str, cwd: Path, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agent", "listen", "--db", f"sqlite:///{cwd / 'log.db'}", *args],
                          capture_output=True, text=True, cwd=cwd, env={**os.environ, **env}, timeout=timeout)


def test_the_status_line_says_what_it_hears_and_does(tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "request.wav", np.concatenate(
        [silence(0.5), synthesize("hey home, turn on the kitchen light", Voice(PIPER)), silence(1.0)]))
    shown = listen("--input", str(wav), cwd=tmp_path, env=TERMINAL)
    assert shown.returncode == 0, shown.stderr
    screen = ESCAPES.sub("", shown.stdout)
    # a file is read faster than real time: its recording may fall between two refreshes (see the microphone test)
    for status in ('listening for "hey home"', "understanding it",
                   "heard: turn on the kitchen light", "did: Turned on the kitchen light.", "dBFS"):
        assert status in screen, status
    assert "Turned on the kitchen light." in screen.split("Turns")[-1]  # and the turn's table stays
    machine = listen("--input", str(wav), "--json", cwd=tmp_path, env=TERMINAL)
    traces = [json.loads(line) for line in machine.stdout.splitlines()]
    assert [t["response"] for t in traces] == ["Turned on the kitchen light."]


def listen_to_microphone(tmp_path: Path, heard: bytes, until: str, seconds: float) -> tuple[int, str, str]:
    """`ambient listen` on a fake sound card whose microphone hears `heard`, then silence, until the screen shows
    `until` (or `seconds` pass), stopped as a service manager stops it: exit code, screen (escapes removed) and
    stderr."""
    (tmp_path / "mic.raw").write_bytes(heard)
    shown = bytearray()
    with fake_sound_card(tmp_path, tmp_path / "mic.raw") as config, open(tmp_path / "stderr.txt", "w+") as errors:
        process = subprocess.Popen([sys.executable, "-m", "agent", "listen", "--db", f"sqlite:///{tmp_path / 'l.db'}"],
                                   stdout=subprocess.PIPE, stderr=errors, cwd=tmp_path, env={**alsa_env(config), **TERMINAL})
        assert process.stdout is not None
        out = process.stdout.fileno()
        reader = threading.Thread(target=lambda: [shown.extend(chunk) for chunk in iter(lambda: os.read(out, 4096), b"")])
        reader.start()
        deadline = time.monotonic() + seconds
        while until not in ESCAPES.sub("", shown.decode(errors="replace")) and time.monotonic() < deadline \
                and process.poll() is None:
            time.sleep(0.2)
        process.terminate()
        process.wait(timeout=30)
        reader.join(timeout=30)
        errors.seek(0)
        return process.returncode, ESCAPES.sub("", shown.decode(errors="replace")), errors.read()


def test_a_request_said_into_the_microphone_is_shown_recording(tmp_path: Path) -> None:
    # longer than the wake check's 2.5 s window, so the wake phrase is heard while the request is still said
    # (a short one is checked once it ends, and its recording can fall between two refreshes of the status)
    said = np.concatenate([silence(1.0), synthesize("hey home, please would you turn on the light in the kitchen "
                                                    "for me", Voice(PIPER))])
    _, screen, stderr = listen_to_microphone(tmp_path, said.astype(np.int16).tobytes(),
                                             "did: Turned on the kitchen light.", 25)
    assert "● recording the request" in screen and "did: Turned on the kitchen light." in screen, stderr


def test_a_silent_microphone_is_pointed_out(tmp_path: Path) -> None:
    code, screen, stderr = listen_to_microphone(tmp_path, bytes(16000 * 2),  # digital silence
                                                "is it muted or unplugged?", 18)
    assert "the microphone hears nothing: is it muted or unplugged?" in screen
    assert code == 0 and "Traceback" not in stderr, stderr


def test_after_a_question_back_the_status_line_says_no_wake_phrase_is_needed() -> None:
    """A stand-in for the voice loop: the status line only reads what it is doing and the input's level."""
    from agent.console import ListenStatus

    class Asked:
        level_dbfs = -60.0
        doing = "awaiting"

    assert 'listening for your answer (no "hey home" needed)' in ListenStatus(Asked(), "hey home").__rich__().plain
