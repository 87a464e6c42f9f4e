"""Endpointing on real synthesized speech (espeak-ng), clean and in white noise."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from agent.audio.endpoint import FINAL, OTHER_VOICE_END_S, Endpointer, EndpointEvent
from agent.audio.frames import FRAME_BYTES, FRAME_MS, SAMPLE_RATE
from agent.audio.noise import voiced_rms
from simulator.room import Room
from simulator.speech import Voice, synthesize

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

LEAD_S = 1.0
PHRASES = ["turn on the kitchen light", "what time is it", "set a timer for five minutes", "stop"]


def speech(text: str) -> np.ndarray:
    """espeak-ng speech at 16 kHz as float samples, trimmed to where it is audible."""
    samples = synthesize(text, Voice("en", 175)).astype(np.float64)  # espeak-ng's default voice and rate
    loud = np.flatnonzero(np.abs(samples) > 0.01 * np.abs(samples).max())
    return samples[loud[0] : loud[-1] + 1]


def true_end_s(samples: np.ndarray, noise_power: float) -> float:
    """End of the last 10 ms of speech louder than the background (the noise, or -60 dBFS in silence)."""
    n = len(samples) // 160
    power = (samples[: n * 160].reshape(n, 160) ** 2).mean(axis=1)
    return (np.flatnonzero(power >= max(noise_power, 32768**2 * 1e-6))[-1] + 1) * 0.01


def pcm(samples: np.ndarray) -> bytes:
    """Float samples as int16 bytes."""
    return np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes()


def run(endpointer: Endpointer, audio: bytes) -> EndpointEvent:
    """Feed 30 ms frames until the endpointer decides."""
    event = EndpointEvent.WAITING
    for i in range(0, len(audio), FRAME_BYTES):
        event = endpointer.feed(audio[i : i + FRAME_BYTES])
        if event in FINAL:
            break
    return event


@pytest.mark.parametrize(("snr_db", "offset"), [(None, 0.0), (10.0, 0.0), (None, 3000.0)])
@pytest.mark.parametrize("text", PHRASES)
def test_end_fires_just_after_silence_s(text: str, snr_db: float | None, offset: float) -> None:
    """Clean, in white noise, and from a microphone whose samples sit 3000 off zero (a DC offset: it was taken for
    the noise floor, and speech was heard starting up to 0.9 s late and ending up to 0.5 s early)."""
    voice = speech(text)
    samples = np.concatenate([np.zeros(int(LEAD_S * SAMPLE_RATE)), voice, np.zeros(3 * SAMPLE_RATE)]) + offset
    noise_power = 0.0
    if snr_db is not None:
        noise_power = float(np.mean(voice**2)) / 10 ** (snr_db / 10)
        samples += np.random.default_rng(7).normal(0, noise_power**0.5, len(samples))
    endpointer = Endpointer()
    assert run(endpointer, pcm(samples)) is EndpointEvent.END
    real_end = LEAD_S + true_end_s(voice, noise_power)
    assert endpointer.silence_s <= endpointer.now_s - real_end <= endpointer.silence_s + 0.1
    assert abs(endpointer.speech_end_s - real_end) <= 0.06
    assert abs(endpointer.speech_start_s - LEAD_S) <= 0.15


def test_default_silence_is_well_under_home_assistant() -> None:
    assert Endpointer().silence_s == 0.5


@pytest.mark.parametrize("noise_dbfs", [None, -30.0, -55.0])
def test_timeout_without_speech(noise_dbfs: float | None) -> None:
    samples = np.zeros(7 * SAMPLE_RATE)
    if noise_dbfs is not None:
        samples += np.random.default_rng(3).normal(0, 32768 * 10 ** (noise_dbfs / 20), len(samples))
    endpointer = Endpointer(timeout_s=5.0)
    assert run(endpointer, pcm(samples)) is EndpointEvent.TIMEOUT
    assert endpointer.now_s == pytest.approx(5.0, abs=FRAME_MS / 1000)
    assert endpointer.speech_start_s is None


def test_too_long_for_a_long_utterance() -> None:
    voice = speech("please turn on every light in the house and then play some quiet music in the living room")
    samples = np.concatenate([np.zeros(SAMPLE_RATE // 2), voice, np.zeros(SAMPLE_RATE)])
    endpointer = Endpointer(max_s=3.0)
    assert run(endpointer, pcm(samples)) is EndpointEvent.TOO_LONG
    assert endpointer.now_s - endpointer.speech_start_s == pytest.approx(3.0, abs=0.031)


def click(at_s: float, samples: np.ndarray) -> None:
    """Add a 3 ms full-scale click."""
    start = int(at_s * SAMPLE_RATE)
    samples[start : start + 48] += 30000 * np.sign(np.sin(np.arange(48)))


def test_a_click_does_not_start_speech() -> None:
    samples = np.zeros(6 * SAMPLE_RATE)
    click(1.0, samples)
    endpointer = Endpointer()
    assert run(endpointer, pcm(samples)) is EndpointEvent.TIMEOUT


def test_a_click_after_speech_does_not_delay_the_end() -> None:
    voice = speech("stop")
    samples = np.concatenate([np.zeros(SAMPLE_RATE), voice, np.zeros(2 * SAMPLE_RATE)])
    real_end = 1.0 + true_end_s(voice, 0.0)
    click(real_end + 0.3, samples)
    endpointer = Endpointer()
    assert run(endpointer, pcm(samples)) is EndpointEvent.END
    assert endpointer.now_s - real_end <= endpointer.silence_s + 0.1


def test_reset_finds_the_next_utterance_at_stream_offsets() -> None:
    first, second = speech("stop"), speech("turn off the radio")
    gap = np.zeros(SAMPLE_RATE)
    audio = pcm(np.concatenate([gap, first, gap, second, gap]))
    endpointer = Endpointer()
    assert run(endpointer, audio) is EndpointEvent.END
    consumed = round(endpointer.now_s * SAMPLE_RATE) * 2
    endpointer.reset()
    assert run(endpointer, audio[consumed:]) is EndpointEvent.END
    second_start = (2 * len(gap) + len(first)) / SAMPLE_RATE
    assert endpointer.speech_start_s == pytest.approx(second_start, abs=0.15)


def test_a_short_request_right_after_the_wake_phrase_is_heard() -> None:
    """The voice loop hands the endpointer the audio from where the wake phrase ended. "do it" follows at once,
    quieter than the phrase: without the audio from before it, its own first frames set the noise floor and it
    never stands out (measured: the whole request lost)."""
    said = np.concatenate([np.zeros(SAMPLE_RATE * 3 // 10), synthesize("hey home, do it", Voice("en-gb")),
                           np.zeros(SAMPLE_RATE)])
    cut = int(1.2 * SAMPLE_RATE)  # where the enrolled wake engine put the end of "home" (1.14 s)
    endpointer = Endpointer()
    endpointer.hear_background(pcm(said[:cut]))
    assert run(endpointer, pcm(said[cut:])) is EndpointEvent.END
    assert endpointer.speech_start_s is not None


def test_a_held_utterance_waits_longer_unless_speech_resumes() -> None:
    first, rest = speech("turn on the"), speech("kitchen light")
    gap = np.zeros(int(0.8 * SAMPLE_RATE))
    endpointer = Endpointer(silence_s=0.5)
    audio = pcm(np.concatenate([np.zeros(SAMPLE_RATE), first, gap, rest, np.zeros(3 * SAMPLE_RATE)]))
    assert run(endpointer, audio) is EndpointEvent.END
    paused_at = endpointer.now_s
    assert paused_at < 1.0 + len(first) / SAMPLE_RATE + 0.8  # ended in the pause: "turn on the"
    endpointer.hold(1.0)
    heard = len(pcm(np.zeros(round(paused_at * SAMPLE_RATE))))
    assert run(endpointer, audio[heard:]) is EndpointEvent.END
    end_of_rest = 1.0 + (len(first) + len(gap) + len(rest)) / SAMPLE_RATE
    assert end_of_rest + 0.4 <= endpointer.now_s <= end_of_rest + 0.8  # resumed: the usual 0.5 s ends it
    assert endpointer.speech_end_s is not None and endpointer.speech_end_s > paused_at

    alone = Endpointer(silence_s=0.5)
    audio = pcm(np.concatenate([np.zeros(SAMPLE_RATE), first, np.zeros(4 * SAMPLE_RATE)]))
    assert run(alone, audio) is EndpointEvent.END
    ended = alone.now_s
    alone.hold(1.0)
    assert run(alone, audio[len(pcm(np.zeros(round(ended * SAMPLE_RATE)))):]) is EndpointEvent.END
    assert alone.now_s == pytest.approx(ended + 1.0, abs=FRAME_MS / 1000 + 1e-6)  # no more speech: 1 s later


@pytest.mark.parametrize("peak_dbfs", [-30.0, -40.0])
def test_a_quiet_voice_far_from_the_microphone_is_heard(peak_dbfs: float) -> None:
    """A request spoken at the wake phrase's level, its peaks 30-40 dB under full scale over a microphone's hiss
    (-70 dBFS): a fresh voice detector heard next to none of "go ahead" that quiet (the request was lost), and
    frames under -50 dBFS did not count as speech."""
    voice = synthesize("hey home, go ahead", Voice("en-us"))
    said = np.concatenate([np.zeros(SAMPLE_RATE // 2), voice * (10 ** (peak_dbfs / 20) * 32768 / np.abs(voice).max()),
                           np.zeros(SAMPLE_RATE)])
    said += np.random.default_rng(5).normal(0, 10, said.size)
    phrase_end = int((0.5 + len(synthesize("hey home,", Voice("en-us"))) / SAMPLE_RATE - 0.2) * SAMPLE_RATE)
    endpointer = Endpointer()
    endpointer.hear_background(pcm(said[:phrase_end]))
    assert run(endpointer, pcm(said[phrase_end:])) is EndpointEvent.END
    assert endpointer.speech_start_s is not None and endpointer.speech_end_s is not None
    assert endpointer.speech_end_s - endpointer.speech_start_s >= 0.3


@pytest.mark.parametrize("below_db", [20.0, 30.0])
def test_a_television_talking_under_the_speaker_does_not_hold_the_request_open(below_db: float) -> None:
    """A television talking on and on, 20-30 dB under the speaker: the request ends a second after the speaker's
    last word, where their speech ends (it was held open to `max_s`, the television's words heard as the
    request's)."""
    wake, request = speech("hey home"), speech("turn on the kitchen light")
    said = np.concatenate([np.zeros(SAMPLE_RATE // 2), wake, np.zeros(SAMPLE_RATE // 10), request,
                           np.zeros(5 * SAMPLE_RATE)])
    said += Room().tv[: said.size] * voiced_rms(request) * 10 ** (-below_db / 20)
    phrase_end = SAMPLE_RATE // 2 + wake.size
    endpointer = Endpointer()
    endpointer.hear_background(pcm(said[:phrase_end]))
    assert run(endpointer, pcm(said[phrase_end:])) is EndpointEvent.END
    request_end = 0.1 + true_end_s(request, 0.0)
    assert endpointer.now_s - request_end <= OTHER_VOICE_END_S + 0.1
    assert endpointer.speech_end_s is not None and abs(endpointer.speech_end_s - request_end) <= 0.1
