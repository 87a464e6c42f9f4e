"""The Wyoming comparison's pure parts: the corpus it writes for wyoming-bench, and how transcripts are scored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from wyoming_bench.stt.corpus import load_corpus
from wyoming_bench.stt.reporting import SttMeasurement
from wyoming_bench.tts.reporting import Measurement

from simulator.wyoming_bench import Meaning, ServerFailed, asr_figures, tts_figures, write_corpus

LIGHT_ON = Meaning("HassTurnOn", ("ceiling_light",), ())
LIGHT_OFF = Meaning("HassTurnOff", ("ceiling_light",), ())
TIMER = Meaning("HassStartTimer", (), (("duration_s", "300"),))


def heard(reference: str, hypothesis: str, ms: float, ok: bool = True) -> SttMeasurement:
    return SttMeasurement(server="s", mode="non_streaming", sample_id=reference, ok=ok, t_sent=10.0,
                          t_end=10.0 + ms / 1000 if ok else None, reference=reference, hypothesis=hypothesis)


def test_the_corpus_is_read_back_by_wyoming_bench_as_written(tmp_path: Path) -> None:
    one = np.arange(-800, 800, dtype=np.int16)
    write_corpus(tmp_path, [("000-piper", "turn on the oven", one), ("000-en-us", "turn on the oven", one[:160])])

    samples = load_corpus(tmp_path)

    assert [s.sample_id for s in samples] == ["000-en-us", "000-piper"]
    assert [s.reference for s in samples] == ["turn on the oven"] * 2
    assert (samples[1].rate, samples[1].width, samples[1].channels) == (16000, 2, 1)
    assert np.array_equal(np.frombuffer(samples[1].pcm, dtype=np.int16), one)
    assert samples[0].duration_s == pytest.approx(0.01)


def test_word_errors_are_pooled_numbers_are_words_and_a_misheard_word_can_mean_the_same_command() -> None:
    meanings = {"turn on the ceiling light": LIGHT_ON, "Turn on the ceiling light.": LIGHT_ON,
                "turn on a ceiling light": LIGHT_ON, "turn off the ceiling light": LIGHT_OFF,
                "set a timer for five minutes": TIMER, "set a timer for 5 minutes": TIMER, "": LIGHT_OFF}
    measurements = [
        heard("turn on the ceiling light", "Turn on the ceiling light.", 100),  # 0 errors of 5, exact
        heard("turn on the ceiling light", "turn on a ceiling light", 200),  # 1 of 5, same command
        heard("turn on the ceiling light", "turn off the ceiling light", 300),  # 1 of 5, another command
        heard("set a timer for five minutes", "set a timer for 5 minutes", 400),  # 0 of 6: "5" is said "five"
        heard("turn on the ceiling light", "", 0, ok=False),  # no transcript: 5 deletions, never understood
    ]

    figures = asr_figures("s", measurements, meanings)

    assert figures.wer == pytest.approx(7 / 26)
    assert figures.exact == pytest.approx(2 / 5)
    assert figures.command_accuracy == pytest.approx(3 / 5)
    assert (figures.recordings, figures.failed) == (5, 1)
    assert figures.latency_p50_ms == pytest.approx(250)
    assert figures.latency_p99_ms == pytest.approx(400)


def test_a_server_that_transcribed_nothing_is_an_error_not_a_figure() -> None:
    with pytest.raises(ServerFailed, match="returned no transcript"):
        asr_figures("s", [heard("pause", "", 0, ok=False)], {})


def test_speech_figures_are_time_to_first_audio_and_real_time_factor() -> None:
    def spoke(first_ms: float, total_ms: float, audio_s: float) -> Measurement:
        return Measurement(server="s", mode="non_streaming", text="t", ok=True, t_sent=1.0, t_first=1 + first_ms / 1000,
                           t_end=1 + total_ms / 1000, audio_duration_s=audio_s)

    figures = tts_figures([spoke(50, 200, 2.0), spoke(70, 300, 2.0), spoke(90, 400, 1.0),
                           Measurement(server="s", mode="non_streaming", text="t", error="timed out")])

    assert figures is not None
    assert (figures.requests, figures.failed) == (4, 1)
    assert figures.first_audio_p50_ms == pytest.approx(70)
    assert figures.first_audio_p99_ms == pytest.approx(90)
    assert figures.rtf_p50 == pytest.approx(0.15)
    assert tts_figures([]) is None
