"""`ambient doctor` as a new user runs it: against a real broker with the home's simulated devices (one of them
offline), a real database, a microphone that hears something, one that hears nothing, and a setup where a turn
cannot be served."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from agent.clock import SystemClock
from agent.home import load_home
from simulator.sound_card import alsa_env, fake_sound_card

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "home.yaml"


def doctor(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, list[dict[str, str]]]:
    done = subprocess.run([sys.executable, "-m", "agent", "doctor", "--json", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()]


def by_what(findings: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {f["what"]: f for f in findings}


async def test_a_working_setup_passes_and_says_which_devices_do_not_answer(amqtt_url: str, tmp_path: Path) -> None:
    from devices.fleet import running

    async with running(load_home(DEMO), amqtt_url, SystemClock()) as fleet:
        await fleet.take_offline("kettle")
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "agent", "doctor", "--json", "--broker", amqtt_url, "--db",
            f"sqlite:///{tmp_path / 'log.db'}", cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, stderr.decode()
    found = by_what([json.loads(line) for line in stdout.decode().splitlines()])
    assert found["broker"]["status"] == "ok" and "connected" in found["broker"]["detail"]
    assert found["devices"]["status"] == "warn" and found["devices"]["detail"].startswith("34 of 35 answered")
    assert "offline: kettle" in found["devices"]["detail"] and found["devices"]["fix"]
    assert found["database"]["status"] == "ok" and found["schema"]["detail"].startswith("new")
    assert found["recognizer"]["status"] == "ok" and "tiny.en, bundled" in found["recognizer"]["detail"]
    assert found["home file"]["detail"].endswith("7 areas, 35 devices, 3 satellites")
    assert all(f["status"] == "ok" for what, f in found.items() if what in ("python", "packages", "wake words"))
    assert found["speaker"]["status"] == "warn"  # no sound card on this machine: a warning, not a failure


def test_the_microphone_level_is_measured_and_a_silent_one_is_flagged(tmp_path: Path) -> None:
    tone = (3000 * np.sin(np.arange(16000 * 3) * 2 * np.pi * 440 / 16000)).astype("<i2")
    for name, audio, status in (("tone", tone, "ok"), ("quiet", np.zeros_like(tone), "warn")):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "mic.raw").write_bytes(audio.tobytes())
        with fake_sound_card(folder, folder / "mic.raw") as config:
            code, findings = doctor("--db", f"sqlite:///{folder / 'log.db'}", cwd=folder, env=alsa_env(config))
        mic = by_what(findings)["microphone"]
        assert code == 0 and mic["status"] == status, mic
        assert "default (ALSA" in mic["detail"] and "dBFS over 2 s" in mic["detail"]
        if status == "ok":
            level = float(mic["detail"].split("level ")[1].split()[0])
            assert -30 < level < -18  # a 3000-peak sine is -20.8 dBFS (the stream may start with a little silence)
        else:
            assert "silent" in mic["detail"] and "unmute" in mic["fix"]


def test_what_stops_a_turn_fails_with_what_to_do(tmp_path: Path) -> None:
    broken = tmp_path / "home.yaml"
    broken.write_text("areas: [{id: kitchen, name: kitchen}]\ndevices:\n  - {id: x, area: kitchen}\n")
    code, findings = doctor("--home", str(broken), "--broker", "mqtt://127.0.0.1:1", "--db",
                            "postgresql://u@127.0.0.1:1/x", cwd=tmp_path)
    found = by_what(findings)
    assert code == 1
    assert found["home file"]["status"] == "fail" and f"{broken}:3" in found["home file"]["detail"]
    assert found["broker"]["status"] == "fail" and "cannot reach the MQTT broker at 127.0.0.1:1" in found["broker"]["detail"]
    assert found["database"]["status"] == "fail" and found["database"]["fix"].startswith("start the database")
    assert "devices" not in found and "schema" not in found
    text = subprocess.run([sys.executable, "-m", "agent", "doctor", "--broker", "http://x"], capture_output=True,
                          text=True, cwd=tmp_path, timeout=120)
    assert text.returncode == 1 and "fail broker: broker URL 'http://x' must start with mqtt://" in text.stdout


def test_a_database_file_not_made_yet_is_checked_without_making_it(tmp_path: Path) -> None:
    _, findings = doctor("--db", "sqlite:///first.db", "--broker", "mqtt://127.0.0.1:1", cwd=tmp_path)
    assert by_what(findings)["database"]["status"] == "ok" and "the agent creates it" in by_what(findings)["database"]["detail"]
    assert not (tmp_path / "first.db").exists()
    _, findings = doctor("--db", f"sqlite:///{tmp_path}/no/such/folder/x.db", "--broker", "mqtt://127.0.0.1:1", cwd=tmp_path)
    assert by_what(findings)["database"]["status"] == "fail" and "create the folder" in by_what(findings)["database"]["fix"]
