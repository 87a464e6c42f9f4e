"""A microphone and a speaker without a sound card, for tests.

`fake_sound_card` writes an ALSA config whose default capture device is a named pipe that a thread fills with a
raw file at real-time speed, then with silence (a microphone in a quiet room), and whose default playback device
is a named pipe that a thread drains at real-time speed (so playing takes as long as the audio).
In a subprocess (e.g. `ambient listen`), pass `env=alsa_env(config)`; in the test process, use
`with portaudio_using(config):`, which re-initialises PortAudio (it reads the ALSA config only at start-up).
"""

from __future__ import annotations

import fcntl
import os
import select
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from agent.audio.frames import FRAME_MS, SAMPLE_RATE

SPEAKER_RATE = 48_000
SPEAKER_BYTES_PER_S = SPEAKER_RATE * 2 * 4
"""Everything played is converted (by an ALSA `plug`) to 48 kHz stereo s32le before the paced sink."""
F_SETPIPE_SZ = 1031
PIPE_BYTES = 4096
"""The speaker pipe's capacity, one page: 10.7 ms of audio can be written ahead of the sink.

A writer to a full pipe waits until a whole page is read, and PortAudio cannot abort a stream while its thread
waits in that write: a high byte rate (so a page is short) keeps this artefact of the fake speaker small.
"""

CONFIG = """\
# capture: the `file` plugin reads `infile` (a pipe fed in real time) in place of what the (null) slave records
# playback: `plug` converts to 48 kHz stereo s32le; the `file` plugin writes it into a pipe drained in real time
pcm.!default {{
    type asym
    capture.pcm "filemic"
    playback.pcm "speaker"
}}
pcm.discard {{
    type null
}}
pcm.filemic {{
    type file
    slave.pcm "discard"
    file "/dev/null"
    infile "{infile}"
    format "raw"
}}
pcm.speaker {{
    type plug
    slave {{
        pcm "pacedsink"
        rate {rate}
        channels 2
        format S32_LE
    }}
}}
pcm.pacedsink {{
    type file
    slave.pcm "discard"
    file "{fifo}"
    format "raw"
}}
"""


@contextmanager
def fake_sound_card(directory: Path, infile: Path, rate: int = SAMPLE_RATE,
                    speed: float = 1.0) -> Iterator[Path]:
    """Within the block, `directory/asound.conf` exists (returned), its microphone hears `infile` (raw s16le
    mono at `rate`, the rate the stream must be opened at) in real time (`speed` times faster, for a test that
    needs the words and not their timing) and then silence, and its speaker is drained in real time.

    ALSA's null device keeps no time, so without the paced pipe the microphone would deliver the whole file at
    once and a busy reader would lose audio no real microphone would have given it that fast. Audio waits in
    the pipe until someone records (a reader that starts late still hears the file from its start).
    """
    mic_fifo, speaker_fifo = directory / "mic.fifo", directory / "speaker.fifo"
    os.mkfifo(mic_fifo)
    os.mkfifo(speaker_fifo)
    config = directory / "asound.conf"
    config.write_text(CONFIG.format(infile=mic_fifo.resolve(), rate=SPEAKER_RATE, fifo=speaker_fifo.resolve()))
    # Both held open for reading and writing, so ALSA's opens never block and its reads never see EOF.
    mic = os.open(mic_fifo, os.O_RDWR | os.O_NONBLOCK)
    speaker = os.open(speaker_fifo, os.O_RDWR | os.O_NONBLOCK)
    fcntl.fcntl(speaker, F_SETPIPE_SZ, PIPE_BYTES)
    stop = threading.Event()
    feed = (mic, Path(infile).read_bytes(), rate, speed, stop)
    threads = [threading.Thread(target=_feed, args=feed, name="alsa-mic", daemon=True),
               threading.Thread(target=_drain, args=(speaker, SPEAKER_BYTES_PER_S, stop), name="alsa-speaker",
                                daemon=True)]
    for thread in threads:
        thread.start()
    try:
        yield config
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        os.close(mic)
        os.close(speaker)


def _feed(fd: int, audio: bytes, rate: int, speed: float, stop: threading.Event) -> None:
    """Write `audio`, then silence, into the pipe one block at a time, `speed` times real time, until `stop`.

    A block is what PortAudio reads at once (MicSource's FRAME_MS at `rate`): ALSA's file plugin keeps stale
    samples for the part of a read the pipe could not fill, so every write must fill exactly one read.
    """
    block = rate * FRAME_MS // 1000 * 2
    audio += bytes(-len(audio) % block)
    silence = bytes(block)
    deadline, offset = time.monotonic(), 0
    while not stop.is_set():
        if not select.select([], [fd], [], 0.05)[1]:
            continue
        chunk = audio[offset:offset + block] or silence
        try:
            os.write(fd, chunk)
        except BlockingIOError:
            continue
        offset += block
        deadline = max(deadline, time.monotonic()) + block / (rate * 2 * speed)
        time.sleep(max(0.0, deadline - time.monotonic()))


def _drain(fd: int, bytes_per_s: int, stop: threading.Event) -> None:
    """Read the pipe no faster than `bytes_per_s` until `stop`: a speaker that takes as long as the audio lasts."""
    deadline = time.monotonic()
    while not stop.is_set():
        if not select.select([fd], [], [], 0.05)[0]:
            continue
        try:
            chunk = os.read(fd, PIPE_BYTES)
        except BlockingIOError:
            continue
        deadline = max(deadline, time.monotonic()) + len(chunk) / bytes_per_s
        time.sleep(max(0.0, deadline - time.monotonic()))


def alsa_env(config: Path, base: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Environment for a subprocess whose PortAudio sees only the devices of `config`."""
    return {**base, "ALSA_CONFIG_PATH": str(config)}


@contextmanager
def portaudio_using(config: Path) -> Iterator[None]:
    """Within the block, this process's PortAudio (sounddevice) sees only the devices of `config`."""
    import sounddevice as sd

    previous = os.environ.get("ALSA_CONFIG_PATH")
    os.environ["ALSA_CONFIG_PATH"] = str(config)
    sd._terminate()
    sd._initialize()
    try:
        yield
    finally:
        if previous is None:
            del os.environ["ALSA_CONFIG_PATH"]
        else:
            os.environ["ALSA_CONFIG_PATH"] = previous
        sd._terminate()
        sd._initialize()


def espeak_wav(text: str, path: Path) -> Path:
    """espeak-ng's rendering of `text` (22.05 kHz mono WAV)."""
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True, capture_output=True)
    return path


def sox(source: Path, target: Path, *options: str) -> Path:
    """Convert with sox; `options` describe the target (e.g. `-r 16000 -c 1 -b 16`)."""
    subprocess.run(["sox", str(source), *options, str(target)], check=True, capture_output=True)
    return target


def have_tools() -> bool:
    """espeak-ng and sox are installed (the tests that use real audio need them)."""
    return all(shutil.which(tool) for tool in ("espeak-ng", "sox"))
