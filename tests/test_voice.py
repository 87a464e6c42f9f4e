"""The voice front-end for real: espeak-ng speech through the ALSA file microphone, pocketsphinx, the agent."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from agent.audio.wavfile import write_wav
from agent.clock import SystemClock
from agent.home import load_home
from agent.nlu.model import NluModel
from devices.fleet import running
from simulator.runner import run_scenario
from simulator.sound_card import alsa_env, fake_sound_card
from simulator.speech import PIPER, Voice, silence, synthesize
from simulator.voice import AudioOptions, enrolled_model

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "home.yaml"
US_VOICES = ("en-us", "en-us+f3")
"""The bundled US acoustic model misses British espeak voices' "home" (measured by the audio benchmark)."""


def spoken(text: str, voice: str = "en-us") -> np.ndarray:
    return np.concatenate([silence(0.5), synthesize(text, Voice(voice, 160)), silence(1.5)])


async def test_listen_on_the_microphone_turns_the_light_on(amqtt_url: str, tmp_path: Path, nlu: NluModel) -> None:
    """`ambient listen` records from the default ALSA device (a file microphone) and acts on the home."""
    mic = tmp_path / "mic.raw"
    mic.write_bytes(spoken("hey home, turn on the kitchen light").tobytes() + bytes(16000 * 2 * 3))
    async with running(load_home(DEMO), amqtt_url, SystemClock()) as fleet:
        with fake_sound_card(tmp_path, mic) as config:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "agent", "listen", "--broker", amqtt_url, "--device", "kitchen_speaker",
                "--json", "--db", f"sqlite:///{tmp_path / 'log.db'}", cwd=tmp_path,
                env=alsa_env(config, os.environ), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            try:
                line = await asyncio.wait_for(process.stdout.readline(), 90)
            finally:
                process.terminate()  # as a service manager stops it
                try:
                    _, stderr = await asyncio.wait_for(process.communicate(), 30)
                except TimeoutError:
                    process.kill()
                    raise AssertionError("listen did not stop within 30 s of SIGTERM") from None
    assert line and process.returncode == 0, stderr.decode()[-2000:]
    trace = json.loads(line)
    heard = trace["stages"][1]["output"]
    assert trace["intent"] == "HassTurnOn" and trace["outcome"] == "success", (heard, stderr.decode()[-1500:])
    assert fleet["kitchen_light"].state["state"] == "on"
    assert [s["stage"] for s in trace["stages"]] == ["wake", "asr", "rewrite", "nlu", "resolve", "result", "tts"]


def test_listen_on_a_wav_file_in_another_format(tmp_path: Path, nlu: NluModel) -> None:
    """A 44.1 kHz WAV is resampled and handled as if spoken into the microphone."""
    from scipy.signal import resample_poly

    audio = resample_poly(spoken("hey home, what time is it").astype(np.float64), 441, 160)
    wav = write_wav(tmp_path / "ask.wav", np.clip(audio, -32768, 32767), 44100)
    done = subprocess.run([sys.executable, "-m", "agent", "listen", "--input", str(wav), "--json",
                           "--db", f"sqlite:///{tmp_path / 'log.db'}"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    traces = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [t["intent"] for t in traces] == ["HassGetCurrentTime"]
    assert traces[0]["response"].startswith("It's ")


@pytest.mark.parametrize("content,problem", [(b"RIFF\x00\x00not a wav at all", "ask.wav"), (b"", "ask.wav")])
def test_listen_on_a_broken_file_is_a_clear_error(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "ask.wav"
    path.write_bytes(content)
    done = subprocess.run([sys.executable, "-m", "agent", "listen", "--input", str(path)], capture_output=True,
                          text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 2
    assert problem in done.stderr and "Traceback" not in done.stderr


def test_silence_and_noise_wake_nobody(tmp_path: Path, nlu: NluModel) -> None:
    quiet = np.random.default_rng(0).normal(0, 300, 16000 * 6)
    wav = write_wav(tmp_path / "room.wav", np.concatenate([silence(3.0), quiet]))
    done = subprocess.run([sys.executable, "-m", "agent", "listen", "--input", str(wav), "--json",
                           "--db", f"sqlite:///{tmp_path / 'log.db'}"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not [line for line in done.stdout.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("audio", [AudioOptions(voices=(PIPER, "en-us")), AudioOptions(asr="pocketsphinx", voices=US_VOICES),
                                   AudioOptions(asr="both", voices=("en-us", PIPER))],
                         ids=["whisper", "pocketsphinx", "both"])
async def test_seed_scenario_spoken_through_the_audio_pipeline(nlu: NluModel, audio: AudioOptions) -> None:
    report = await run_scenario(ROOT / "scenarios" / "hunger_games.yaml", nlu=nlu, audio=audio)
    failures = [f for r in report.results for f in r.failures]
    assert not failures, failures


@pytest.fixture(scope="module")
def household_model() -> Path:
    """alice and bob, who live in the demo home, enrolled once (cached per prompts and voices)."""
    return enrolled_model(load_home(ROOT / "scenarios" / "home.yaml"), ["alice", "bob"], AudioOptions())


@pytest.mark.parametrize("name", ["hunger_games.yaml", "oven_temperature.yaml", "follow_ups.yaml", "habits.yaml",
                                  "coffee_after_alarm.yaml"])
async def test_seed_scenarios_pass_in_british_voices_once_the_household_enrolled(
    nlu: NluModel, household_model: Path, name: str
) -> None:
    """bob speaks en-gb: the bundled US model rarely hears him until the household enrolls."""
    # hunger_games has both of them speak, so enrolling its speakers (`simulate --audio --enroll`) is the same
    # enrollment, from the cache
    audio = AudioOptions(enroll=True) if name == "hunger_games.yaml" else AudioOptions(acoustic_model=household_model)
    report = await run_scenario(ROOT / "scenarios" / name, nlu=nlu, audio=audio)
    failures = [f for r in report.results for f in r.failures]
    assert not failures, failures


@pytest.mark.parametrize("command", ["turn on the big light", "call the big light the living room ceiling light"])
def test_a_name_the_home_lacks_is_heard_as_said_not_forced_onto_a_known_one(household_model: Path,
                                                                           command: str) -> None:
    """The grammar forces "big light" onto "kitchen light"; the agent must hear it to ask what it means."""
    from agent.asr.pocketsphinx_engine import PocketsphinxRecognizer

    recognizer = PocketsphinxRecognizer(load_home(DEMO), acoustic_model=household_model)
    for voice in ("en-us+f3", "en-gb"):
        recognizer.start()
        recognizer.feed(spoken(command, voice).tobytes())
        heard = recognizer.finish()
        assert heard.text == command, (voice, heard)
        assert "turn on the light" not in heard.alternatives and "turn on the kitchen light" not in heard.alternatives


async def test_barge_in_stops_the_answer_and_takes_the_new_request(tmp_path: Path, nlu: NluModel) -> None:
    scenario = tmp_path / "barge.yaml"
    scenario.write_text(f"""name: barge-in
home: {DEMO}
steps:
  - say: hey home, what's the weather like tomorrow
    user: alice
    device: kitchen_speaker
    expect: {{intent: HassGetWeather}}
  - say: stop
    user: alice
    device: kitchen_speaker
    barge_in: 0.3
    expect: {{outcome: no_wake}}
  - say: hey home, what's the weather like tomorrow
    user: alice
    device: kitchen_speaker
  - say: hey home, what time is it
    user: alice
    device: kitchen_speaker
    barge_in: 0.2
    expect: {{intent: HassGetCurrentTime}}
""")
    report = await run_scenario(scenario, nlu=nlu, audio=AudioOptions(voices=US_VOICES, speeds=(165,)))
    failures = [f for r in report.results for f in r.failures]
    assert not failures, failures
    assert [r.trace.barged_in for r in report.results] == [True, False, True, False]
