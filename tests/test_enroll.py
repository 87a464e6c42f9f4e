"""Voice enrollment: the acoustic model adapts to a household's voices, and bad recordings are reported, not fatal."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from agent.asr.acoustic import (
    BASE_MODEL,
    ModelError,
    check_model_dir,
    phone_set,
    read_gaussians,
    write_gaussians,
)
from agent.asr.enroll import Recording, enroll, prompts
from agent.asr.pocketsphinx_engine import PocketsphinxRecognizer
from agent.audio.frames import FRAME_BYTES
from agent.audio.wavfile import write_wav
from agent.cli import app
from agent.home import Home, load_home
from simulator.speech import Voice, silence, synthesize

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

HOME_FILE = Path(__file__).parents[1] / "scenarios" / "home.yaml"
ACCENT = "en-gb-scotland"
"""The bundled US model understands this espeak-ng voice worst of the benchmark's four."""
COMMANDS = ("turn off the hallway light", "what's the temperature in the bedroom", "start the vacuum",
            "set the kitchen light to forty percent", "lock the front door", "pause the music",
            "what time is it", "turn on the desk lamp", "play some jazz", "cancel the timer")
"""Commands to understand; enrollment reads generated phrases, so most of these are never read as such."""


def spoken(text: str, voice: str = ACCENT) -> bytes:
    return np.concatenate([silence(0.2), synthesize(text, Voice(voice)), silence(0.3)]).tobytes()


def transcribe(recognizer: PocketsphinxRecognizer, pcm: bytes) -> str:
    recognizer.start()
    for i in range(0, len(pcm), FRAME_BYTES):
        recognizer.feed(pcm[i:i + FRAME_BYTES])
    return recognizer.finish().text


@pytest.fixture(scope="module")
def home() -> Home:
    return load_home(HOME_FILE)


@pytest.fixture(scope="module")
def enrolled(home: Home, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model enrolled on 25 phrases read in the accented voice (plus one recording of the wrong text)."""
    recordings = [Recording(text, spoken(text)) for text in prompts(home, 25, seed=3)]
    recordings.append(Recording("turn on the kitchen light", bytes(16000)))
    result = enroll(recordings, tmp_path_factory.mktemp("model") / "household")
    assert result.used == 25 and result.skipped == ("turn on the kitchen light",)
    assert result.frames > 25 * 100
    return result.model


@pytest.fixture(scope="module")
def bundled(home: Home) -> PocketsphinxRecognizer:
    """The recognizer with pocketsphinx's own acoustic model."""
    return PocketsphinxRecognizer(home)


def test_enrollment_makes_an_accented_voice_understood(home: Home, enrolled: Path,
                                                        bundled: PocketsphinxRecognizer) -> None:
    before = bundled
    after = PocketsphinxRecognizer(home, acoustic_model=enrolled)
    right_before = [c for c in COMMANDS if transcribe(before, spoken(c)) == c]
    right_after = [c for c in COMMANDS if transcribe(after, spoken(c)) == c]
    assert len(right_after) >= 8, right_after
    assert len(right_after) >= len(right_before) + 3, (right_before, right_after)


def test_phrasings_outside_the_grammar_are_heard_through_the_home_model(home: Home, enrolled: Path) -> None:
    """No template says "get the oven going" or "heat up the oven"; the trigram model of the home's commands
    does, and its transcript is offered (first, or after a grammar path that resolution will find senseless)."""
    recognizer = PocketsphinxRecognizer(home, acoustic_model=enrolled)
    for text in ("get the oven going", "heat up the oven"):
        recognizer.start()
        pcm = spoken(text)
        for i in range(0, len(pcm), FRAME_BYTES):
            recognizer.feed(pcm[i:i + FRAME_BYTES])
        transcript = recognizer.finish()
        assert text in (transcript.text, *transcript.alternatives), transcript


def test_enrollment_prompts_are_generated_for_the_home(home: Home) -> None:
    texts = prompts(home, 25, seed=0)
    assert len(texts) == len(set(texts)) == 25
    assert texts[0].startswith("hey home, ") and not texts[1].startswith("hey home")
    assert prompts(home, 25, seed=1) != texts and prompts(home, 25, seed=0) == texts
    assert not any("x" + "light" in t for t in texts)


def test_model_files_round_trip_and_load(tmp_path: Path, home: Home, bundled: PocketsphinxRecognizer) -> None:
    means = read_gaussians(BASE_MODEL / "means")
    assert [m.shape for m in means] == [(42, 128, 13)] * 3
    assert len(phone_set()) == 42 and {"SIL", "AA", "ZH"} <= set(phone_set())
    copy = tmp_path / "copy"
    shutil.copytree(BASE_MODEL, copy)
    write_gaussians(copy / "means", means)
    assert all(np.array_equal(a, b) for a, b in zip(read_gaussians(copy / "means"), means))
    pcm = spoken("turn on the kitchen light", "en-us")
    assert transcribe(PocketsphinxRecognizer(home, acoustic_model=copy), pcm) == transcribe(bundled, pcm)


def test_an_incomplete_model_directory_is_named(tmp_path: Path) -> None:
    (tmp_path / "means").write_bytes(b"junk")
    with pytest.raises(ModelError, match=f"{tmp_path}.*missing.*variances.*ambient enroll"):
        check_model_dir(tmp_path)
    with pytest.raises(ModelError, match="not a Sphinx s3 file"):
        read_gaussians(tmp_path / "means")


def test_cli_enrolls_from_a_folder_of_recordings(tmp_path: Path, home: Home) -> None:
    runner = CliRunner()
    printed = runner.invoke(app, ["enroll", "--prompts", "4", "--seed", "2"])
    assert printed.exit_code == 0, printed.output
    texts = printed.output.strip().splitlines()
    assert len(texts) == 4
    folder = tmp_path / "recordings"
    folder.mkdir()
    for i, text in enumerate(texts):
        write_wav(folder / f"{i}.wav", spoken(text))
        (folder / f"{i}.txt").write_text(text + "\n")
    result = runner.invoke(app, ["enroll", str(tmp_path / "model"), "--recordings", str(folder)])
    assert result.exit_code == 0, result.output
    assert "adapted to 4 recordings" in result.output
    check_model_dir(tmp_path / "model")
    for i in range(len(texts)):
        (folder / f"{i}.txt").write_text("unlock the front door and open the garage\n")
    mismatched = runner.invoke(app, ["enroll", str(tmp_path / "wrong"), "--recordings", str(folder)])
    assert mismatched.exit_code == 2 and "no recording matched its text" in " ".join(mismatched.output.split())
    (folder / "0.txt").unlink()
    missing = runner.invoke(app, ["enroll", str(tmp_path / "other"), "--recordings", str(folder)])
    assert missing.exit_code == 2 and "0.wav: no 0.txt" in " ".join(missing.output.split())
    bad_model = runner.invoke(app, ["listen", "--input", str(folder / "1.wav"), "--acoustic-model",
                                    str(folder), "--db", f"sqlite:///{tmp_path / 'log.db'}"])
    assert bad_model.exit_code == 2 and "not an acoustic model directory" in " ".join(bad_model.output.split())


async def test_a_stream_is_cut_into_one_utterance_per_phrase() -> None:
    from agent.audio.record import utterances
    from agent.audio.sources import PcmSource

    first, second = spoken("turn on the kitchen light", "en-us"), spoken("what time is it", "en-us")
    stream = first + bytes(32000) + second + bytes(32000 * 6)
    cut = [u async for u in utterances(PcmSource(stream))]
    assert [u is None for u in cut] == [False, False, True]
    for piece, original in zip(cut, (first, second)):
        assert abs(len(piece) - len(original)) < 32000 * 0.4, (len(piece), len(original))


def test_cli_records_the_phrases_from_the_microphone(tmp_path: Path) -> None:
    """`ambient enroll --record` on the fake sound card: shows each phrase, records it, adapts."""
    import os
    import subprocess
    import sys

    from simulator.sound_card import alsa_env, fake_sound_card

    texts = CliRunner().invoke(app, ["enroll", "--prompts", "3", "--seed", "5"]).output.strip().splitlines()
    mic = tmp_path / "mic.raw"
    mic.write_bytes(bytes(16000) + b"".join(spoken(t, "en-us") + bytes(32000) for t in texts) + bytes(32000 * 20))
    with fake_sound_card(tmp_path, mic, speed=2.0) as config:  # the words matter here, not their pace
        done = subprocess.run([sys.executable, "-m", "agent", "enroll", str(tmp_path / "model"), "--record",
                               "--prompts", "3", "--seed", "5"], capture_output=True, text=True, timeout=180,
                              env=alsa_env(config, os.environ), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "adapted to 3 recordings" in done.stdout and texts[2] in done.stdout
    saved = tmp_path / "model" / "recordings"
    assert [p.read_text().strip() for p in sorted(saved.glob("*.txt"))] == texts
    check_model_dir(tmp_path / "model")
