"""Audio in and out: recordings of every common layout and format, the microphone and the speaker (a fake ALSA
card)."""

from __future__ import annotations

import asyncio
import math
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from agent.audio.errors import AudioDeviceError, AudioFormatError
from agent.audio.frames import (
    FRAME_BYTES,
    FRAME_MS,
    SAMPLE_RATE,
    AudioFrame,
    AudioSource,
)
from agent.audio.levels import SILENCE_DBFS, clipping_ratio, rms_dbfs
from agent.audio.playback import NullPlayer, SoundDevicePlayer, open_player
from agent.audio.resample import StreamResampler, resample
from agent.audio.sources import (
    ArraySource,
    FileSource,
    MicSource,
    PcmSource,
    list_input_devices,
)
from agent.audio.wavfile import write_wav
from agent.clock import VirtualClock
from agent.turn import Speech
from simulator.sound_card import (
    alsa_env,
    espeak_wav,
    fake_sound_card,
    have_tools,
    portaudio_using,
    sox,
)

ROOT = Path(__file__).resolve().parent.parent
PHRASE = "turn on the kitchen lights please"
needs_tools = pytest.mark.skipif(not have_tools(), reason="needs espeak-ng and sox")


def _portaudio_available() -> bool:
    try:
        import sounddevice  # noqa: F401
    except OSError:
        return False
    return True


needs_portaudio = pytest.mark.skipif(not _portaudio_available(), reason="needs libportaudio2")


async def collect(source: AudioSource, limit: int | None = None) -> list[AudioFrame]:
    """The source's frames (the first `limit` of them)."""
    frames: list[AudioFrame] = []
    async for frame in source.frames():
        frames.append(frame)
        if limit is not None and len(frames) >= limit:
            break
    return frames


def samples_of(frames: list[AudioFrame]) -> np.ndarray:
    return np.frombuffer(b"".join(frame.pcm for frame in frames), dtype="<i2")


def similarity(signal: np.ndarray, reference: np.ndarray) -> float:
    """Peak normalised cross-correlation within ±5 ms, over the reference's length."""
    signal = signal.astype(np.float64)[: len(reference)]
    reference = reference.astype(np.float64)[: len(signal)]
    lag = 80
    best = 0.0
    for shift in range(-lag, lag + 1):
        a = signal[max(0, shift) : len(signal) + min(0, shift)]
        b = reference[max(0, -shift) : len(reference) + min(0, -shift)]
        best = max(best, float(np.corrcoef(a, b)[0, 1]))
    return best


@pytest.fixture(scope="module")
def speech_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """espeak-ng's phrase as 22.05 kHz WAV (`phrase.wav`), and the 16 kHz mono reference (`phrase.raw`)."""
    if not have_tools():
        pytest.skip("needs espeak-ng and sox")
    directory = tmp_path_factory.mktemp("speech")
    wav = espeak_wav(PHRASE, directory / "phrase.wav")
    sox(wav, directory / "phrase.raw", "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw")
    return directory


@pytest.fixture(scope="module")
def reference(speech_dir: Path) -> np.ndarray:
    """The phrase at 16 kHz, int16, as sox converts it."""
    return np.fromfile(speech_dir / "phrase.raw", dtype="<i2")


# --- WAV files ---------------------------------------------------------------------------------------------

SOX_LAYOUTS = {
    "44k1-stereo-16bit": ("-r", "44100", "-c", "2", "-b", "16"),
    "8k-mono-16bit": ("-r", "8000", "-c", "1", "-b", "16"),
    "48k-mono-24bit-extensible": ("-r", "48000", "-c", "1", "-b", "24"),
    "16k-mono-32bit": ("-r", "16000", "-c", "1", "-b", "32", "-e", "signed-integer"),
    "22k-stereo-float": ("-r", "22050", "-c", "2", "-b", "32", "-e", "floating-point"),
    "11k-mono-8bit": ("-r", "11025", "-c", "1", "-b", "8", "-e", "unsigned-integer"),
}
COMPRESSED = {  # what phones and dictaphones record, decoded by FFmpeg
    "lossless.flac": ("-r", "44100", "-c", "2"),
    "lossy.ogg": ("-r", "48000", "-c", "1"),
    "adpcm.wav": ("-e", "ms-adpcm"),
}


@needs_tools
@pytest.mark.parametrize("layout", SOX_LAYOUTS)
async def test_wav_source_converts_any_layout_to_16k_mono(layout: str, speech_dir: Path, reference: np.ndarray,
                                                          tmp_path: Path) -> None:
    path = sox(speech_dir / "phrase.wav", tmp_path / f"{layout}.wav", *SOX_LAYOUTS[layout])
    source = FileSource(path)
    frames = await collect(source)

    assert source.duration_s == pytest.approx(len(reference) / SAMPLE_RATE, abs=0.002)
    assert len(frames) == math.ceil(len(source.pcm) / FRAME_BYTES)
    assert all(len(frame.pcm) == FRAME_BYTES for frame in frames)
    assert [frame.start_s for frame in frames[:3]] == pytest.approx([0.0, FRAME_MS / 1000, 2 * FRAME_MS / 1000])
    narrowband = layout.startswith(("8k", "11k"))  # no content above 4 / 5.5 kHz, or 8-bit noise
    assert similarity(samples_of(frames), reference) > (0.85 if narrowband else 0.98)


async def test_wav_source_decodes_samples_exactly(tmp_path: Path) -> None:
    samples = (np.sin(np.arange(8000) / 7) * 20000).astype(np.int16)
    for width in (2, 3):
        path = tmp_path / f"tone{width}.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(width)
            out.setframerate(SAMPLE_RATE)
            wide = samples.astype("<i4") << (8 * (width - 2))
            out.writeframes(b"".join(int(v).to_bytes(4, "little", signed=True)[:width] for v in wide))
        source = FileSource(path)
        assert np.array_equal(np.frombuffer(source.pcm, dtype="<i2"), samples)
        frames = await collect(source)
        assert len(frames) == math.ceil(8000 * 2 / FRAME_BYTES)
        assert frames[-1].pcm.endswith(bytes(FRAME_BYTES - (8000 * 2) % FRAME_BYTES))  # zero-padded


def test_non_wav_files_give_a_clear_error(tmp_path: Path) -> None:
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio\n")
    with pytest.raises(AudioFormatError, match="notes.wav: not a recording"):
        FileSource(text)
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVE")
    with pytest.raises(AudioFormatError, match="broken.wav: WAV file without a 'fmt ' chunk"):
        FileSource(broken)
    with pytest.raises(AudioFormatError, match="missing.wav.*cannot read"):
        FileSource(tmp_path / "missing.wav")
    assert issubclass(AudioFormatError, ValueError)


@needs_tools
@pytest.mark.parametrize("name", COMPRESSED)
def test_compressed_recordings_are_decoded(name: str, speech_dir: Path, reference: np.ndarray, tmp_path: Path) -> None:
    source = FileSource(sox(speech_dir / "phrase.wav", tmp_path / name, *COMPRESSED[name]))
    assert source.duration_s == pytest.approx(len(reference) / SAMPLE_RATE, abs=0.05)  # codecs pad a block
    decoded = np.frombuffer(source.pcm, dtype="<i2")[: len(reference)]
    assert similarity(decoded, reference[: len(decoded)]) > 0.9


async def test_silent_and_clipped_wavs_are_not_errors(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "loud.wav", bytes(3200) + np.full(1600, 32767, dtype="<i2").tobytes())
    frames = await collect(FileSource(path))
    assert rms_dbfs(frames[0].pcm) == SILENCE_DBFS
    assert clipping_ratio(frames[-1].pcm) > 0.5
    assert rms_dbfs(np.tile(np.array([32767, -32767], dtype=np.int16), 50)) == pytest.approx(0.0, abs=0.01)
    assert rms_dbfs(np.full(100, 3000, dtype=np.int16)) == SILENCE_DBFS  # a DC offset alone is no sound
    assert clipping_ratio(b"") == 0.0


async def test_wav_source_realtime_paces_frames_and_adds_trailing_silence(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "short.wav", np.ones(4800, dtype="<i2"))  # 0.3 s
    began = time.monotonic()
    frames = await collect(FileSource(path, realtime=True, trailing_silence_s=0.3))
    assert len(frames) == 20
    assert time.monotonic() - began >= 0.55
    assert set(frames[-1].pcm) == {0}


# --- memory sources and resampling ---------------------------------------------------------------------------

async def test_pcm_and_array_sources() -> None:
    tone = (np.sin(np.arange(48_000) * 2 * np.pi * 440 / 48_000) * 10_000).astype(np.int16)
    from_pcm = await collect(PcmSource(tone.tobytes(), rate=48_000))
    from_array = await collect(ArraySource(np.stack([tone, tone], axis=1), 48_000))
    from_float = await collect(ArraySource(tone / 32768, 48_000))
    assert len(from_pcm) == len(from_array) == len(from_float) == math.ceil(16_000 * 2 / FRAME_BYTES)
    assert samples_of(from_pcm).tobytes() == samples_of(from_array).tobytes() == samples_of(from_float).tobytes()
    assert similarity(samples_of(from_pcm), resample(tone, 48_000, 16_000)) > 0.999
    with pytest.raises(ValueError, match="whole 16-bit samples"):
        PcmSource(b"\x00\x01\x02")


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000])
def test_stream_resampler_matches_whole_signal(rate: int) -> None:
    signal = (np.random.default_rng(rate).standard_normal(rate) * 3000).astype(np.int16)
    whole = resample(signal, rate, SAMPLE_RATE)
    stream = StreamResampler(rate, SAMPLE_RATE)
    block = rate * FRAME_MS // 1000
    streamed = np.concatenate([stream.process(signal[i : i + block]) for i in range(0, len(signal), block)])
    assert len(whole) - len(streamed) < 0.05 * SAMPLE_RATE  # only the filter's look-ahead is still pending
    assert np.array_equal(streamed, whole[: len(streamed)])
    assert resample(signal.tobytes(), rate, SAMPLE_RATE) == whole.tobytes()


# --- the microphone, through a fake ALSA card ---------------------------------------------------------------

@needs_tools
@needs_portaudio
async def test_mic_records_the_file_microphone(speech_dir: Path, reference: np.ndarray, tmp_path: Path) -> None:
    with fake_sound_card(tmp_path, speech_dir / "phrase.raw") as config, portaudio_using(config):
        assert "filemic" in [device.name for device in list_input_devices()]
        mic = MicSource()
        assert mic.rate == SAMPLE_RATE
        frames = await collect(mic, limit=math.ceil(len(reference) * 2 / FRAME_BYTES) + 5)
    assert all(len(frame.pcm) == FRAME_BYTES for frame in frames)
    assert similarity(samples_of(frames), reference) > 0.99


@needs_tools
@needs_portaudio
async def test_mic_opened_at_another_rate_is_resampled(speech_dir: Path, reference: np.ndarray,
                                                       tmp_path: Path) -> None:
    raw48k = sox(speech_dir / "phrase.wav", tmp_path / "phrase48k.raw",
                 "-r", "48000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw")
    with fake_sound_card(tmp_path, raw48k, rate=48_000) as config, portaudio_using(config):
        mic = MicSource("filemic", rate=48_000)
        frames = await collect(mic, limit=math.ceil(len(reference) * 2 / FRAME_BYTES) + 5)
    assert similarity(samples_of(frames), reference) > 0.98


@needs_tools
@needs_portaudio
def test_mic_in_a_subprocess_sees_the_alsa_config(speech_dir: Path, reference: np.ndarray, tmp_path: Path) -> None:
    script = """
import asyncio, sys
from agent.audio.sources import MicSource
async def main():
    pcm = bytearray()
    async for frame in MicSource().frames():
        pcm += frame.pcm
        if len(pcm) >= int(sys.argv[1]):
            break
    sys.stdout.buffer.write(pcm)
asyncio.run(main())
"""
    with fake_sound_card(tmp_path, speech_dir / "phrase.raw") as config:
        result = subprocess.run([sys.executable, "-c", script, str(len(reference) * 2)], env=alsa_env(config),
                                cwd=ROOT, capture_output=True, timeout=60, check=True)
    assert similarity(np.frombuffer(result.stdout, dtype="<i2"), reference) > 0.99


@needs_tools
@needs_portaudio
def test_unknown_mic_lists_the_devices(speech_dir: Path, tmp_path: Path) -> None:
    with fake_sound_card(tmp_path, speech_dir / "phrase.raw") as config, portaudio_using(config):
        listing = r"unknown input device 'usb mic'.*available input devices:.*filemic"
        with pytest.raises(AudioDeviceError, match=listing):
            MicSource("usb mic")
        with pytest.raises(AudioDeviceError, match="unknown input device 99"):
            MicSource("99")


@needs_portaudio
def test_without_devices_the_mic_fails_clearly_and_the_player_falls_back() -> None:
    # ALSA's own configuration: no devices on a machine without a sound card (a config without
    # `pcm.default`, even an empty file, makes PortAudio abort the process instead)
    with portaudio_using(Path("/usr/share/alsa/alsa.conf")):
        if list_input_devices():
            pytest.skip("this machine has a sound card")
        with pytest.raises(AudioDeviceError, match="no default input device.*available input devices: none"):
            MicSource()
        assert isinstance(open_player(), NullPlayer)
        with pytest.raises(AudioDeviceError, match="unknown output device 'hdmi'"):
            open_player("hdmi")


@needs_tools
@needs_portaudio
async def test_mic_that_stops_mid_stream_ends_with_an_error(speech_dir: Path, tmp_path: Path) -> None:
    with fake_sound_card(tmp_path, speech_dir / "phrase.raw") as config, portaudio_using(config):
        mic = MicSource()
        frames = mic.frames()
        await anext(frames)
        mic._stream.abort()  # what PortAudio does when the device goes away
        with pytest.raises(AudioDeviceError, match="stopped delivering audio"):
            while True:
                await anext(frames)


# --- the speaker ----------------------------------------------------------------------------------------------

@needs_tools
@needs_portaudio
async def test_sound_device_player_plays_to_the_end_and_stops_at_once(speech_dir: Path, tmp_path: Path) -> None:
    wav = speech_dir / "phrase.wav"
    speech = Speech(PHRASE, str(wav), FileSource(wav).duration_s)
    with fake_sound_card(tmp_path, speech_dir / "phrase.raw") as config, portaudio_using(config):
        player = SoundDevicePlayer()
        assert player.stop() is None
        began = time.monotonic()
        assert await player.play(speech) is True
        assert speech.duration_s * 0.8 < time.monotonic() - began < speech.duration_s + 1.5
        assert not player.playing

        began = time.monotonic()
        playing = asyncio.create_task(player.play(speech))
        await asyncio.sleep(speech.duration_s / 3)
        assert player.playing
        stop_ms = player.stop()
        assert await playing is False
        assert time.monotonic() - began < speech.duration_s * 0.8
    assert isinstance(stop_ms, float) and stop_ms >= 0
    print(f"stop latency: {stop_ms:.1f} ms")


async def test_null_player_on_a_virtual_clock() -> None:
    clock = VirtualClock()
    player = NullPlayer(clock)
    assert player.stop() is None
    finished = asyncio.create_task(player.play(Speech("hello", None, 2.0)))
    await clock.advance(0)  # let it start
    await clock.advance(1.0)
    assert player.playing and not finished.done()
    await clock.advance(1.1)
    assert await finished is True and not player.playing

    stopped = asyncio.create_task(player.play(Speech("hello again", None, 2.0)))
    await clock.advance(0)
    await clock.advance(0.5)
    assert player.stop() == 0.0
    assert await stopped is False and not player.playing
