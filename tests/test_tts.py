"""Text to speech for real: pyttsx3 on espeak-ng, the espeak-ng command fallback, and the null sink."""

from __future__ import annotations

import array
import asyncio
import logging
import wave
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from agent.tts import engine as tts
from agent.tts.engine import NullTts, Pyttsx3Tts, TtsStage
from agent.turn import Outcome, Result

TEXT = "The kitchen light is on."


def assert_speech_wav(path: Path, min_seconds: float = 0.5) -> None:
    """A mono 16-bit WAV with real, non-silent speech."""
    with wave.open(str(path), "rb") as wav:
        assert (wav.getsampwidth(), wav.getnchannels()) == (2, 1)
        assert wav.getnframes() / wav.getframerate() > min_seconds
        samples = array.array("h", wav.readframes(wav.getnframes()))
    assert max(abs(s) for s in samples) > 1000
    assert sum(1 for s in samples if abs(s) > 500) > len(samples) // 10


@pytest.fixture
def without_pyttsx3(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make pyttsx3's espeak driver fail to load, as when libespeak-ng1 is missing."""

    def broken_init(driver_name: str | None = None) -> None:
        raise RuntimeError("This means you probably do not have eSpeak or eSpeak-ng installed!")

    monkeypatch.setattr(tts.pyttsx3, "init", broken_init)
    tts._pyttsx3_engine.cache_clear()
    yield
    tts._pyttsx3_engine.cache_clear()


async def test_synthesizes_a_real_wav(tmp_path: Path) -> None:
    speech = await Pyttsx3Tts(voice=None).synthesize(TEXT, tmp_path / "out.wav")
    assert speech.text == TEXT
    assert speech.path == str(tmp_path / "out.wav")
    assert_speech_wav(tmp_path / "out.wav")
    assert speech.duration_s == pytest.approx(tts.wav_duration(tmp_path / "out.wav"))
    assert 0.5 < speech.duration_s < 5


async def test_event_loop_keeps_running_during_synthesis(tmp_path: Path) -> None:
    ticks = 0
    synthesis = asyncio.ensure_future(
        Pyttsx3Tts().synthesize(" ".join([TEXT] * 8), tmp_path / "long.wav")
    )
    while not synthesis.done():
        ticks += 1
        await asyncio.sleep(0.001)
    assert_speech_wav(Path((await synthesis).path or ""), min_seconds=5)
    assert ticks >= 5


async def test_concurrent_requests_share_one_worker_thread(tmp_path: Path) -> None:
    voices = [Pyttsx3Tts(voice="en-us"), Pyttsx3Tts(voice="en-us", rate=100), Pyttsx3Tts(voice="English (Scotland)")]
    speeches = await asyncio.gather(*(v.synthesize(TEXT, tmp_path / f"{i}.wav") for i, v in enumerate(voices)))
    for speech in speeches:
        assert_speech_wav(Path(speech.path or ""))
    assert speeches[1].duration_s > 1.5 * speeches[0].duration_s  # each request keeps its own rate


async def test_unknown_voice_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown espeak-ng voice 'no-such-voice'"):
        await Pyttsx3Tts(voice="no-such-voice").synthesize(TEXT, tmp_path / "x.wav")


async def test_falls_back_to_the_espeak_ng_command(
    tmp_path: Path, without_pyttsx3: None, caplog: pytest.LogCaptureFixture
) -> None:
    engine = Pyttsx3Tts()
    for n in range(2):
        speech = await engine.synthesize(TEXT, tmp_path / f"{n}.wav")
        assert_speech_wav(Path(speech.path or ""))
    fallbacks = [r for r in caplog.records if r.name == tts.__name__ and r.levelno == logging.WARNING]
    assert len(fallbacks) == 1
    assert "espeak-ng command" in fallbacks[0].getMessage()


async def test_missing_espeak_names_the_package(
    tmp_path: Path, without_pyttsx3: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tts.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="apt-get install espeak-ng"):
        await Pyttsx3Tts().synthesize(TEXT, tmp_path / "x.wav")


async def test_stage_names_files_after_the_turn(tmp_path: Path) -> None:
    stage = TtsStage(Pyttsx3Tts(), tmp_path / "speech")
    spoken = await stage.process(TEXT, SimpleNamespace(turn_id="abc123"))
    unnamed = await stage.process(TEXT, None)
    assert spoken.path == str(tmp_path / "speech" / "abc123.wav")
    assert unnamed.path == str(tmp_path / "speech" / "1.wav")
    assert_speech_wav(Path(spoken.path))


async def test_null_tts_writes_nothing(tmp_path: Path) -> None:
    speech = await TtsStage(NullTts(), tmp_path).process(Result(TEXT, Outcome.SUCCESS), SimpleNamespace(turn_id="t1"))
    assert (speech.text, speech.path) == (TEXT, None)
    assert 1 < speech.duration_s < 3  # five words at 175 words per minute
    assert list(tmp_path.iterdir()) == []


async def test_a_render_that_writes_nothing_is_redone_with_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """pyttsx3 now and then returns without having written the file (seen once in a long benchmark run, not
    reproducible on demand): its save is replaced by one that writes nothing; the real espeak-ng command renders."""
    engine = tts._pyttsx3_engine()
    monkeypatch.setattr(engine, "save_to_file", lambda text, path: None)
    with caplog.at_level(logging.WARNING):
        speech = await Pyttsx3Tts().synthesize(TEXT, tmp_path / "out.wav")
    assert_speech_wav(tmp_path / "out.wav")
    assert speech.duration_s > 0.5 and "wrote no audio" in caplog.text
