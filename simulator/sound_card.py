"""A microphone and a speaker without a sound card, for tests.

`fake_sound_card` writes an ALSA config whose default capture device replays a raw file and whose default
playback device is a named pipe that a thread drains at real-time speed (so playing takes as long as the audio).
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
# capture: the `file` plugin reads `infile` in place of what the (null) slave records
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
def fake_sound_card(directory: Path, infile: Path) -> Iterator[Path]:
    """Within the block, `directory/asound.conf` exists (returned) and its speaker is drained in real time.

    The microphone replays `infile`: raw s16le mono, read at whatever rate the stream is opened at.
    """
    fifo = directory / "speaker.fifo"
    os.mkfifo(fifo)
    config = directory / "asound.conf"
    config.write_text(CONFIG.format(infile=Path(infile).resolve(), rate=SPEAKER_RATE, fifo=fifo.resolve()))
    # Held open for reading and writing, so the speaker's open never blocks and the reader never sees EOF.
    fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES)
    stop = threading.Event()
    drain = threading.Thread(target=_drain, args=(fd, SPEAKER_BYTES_PER_S, stop), name="alsa-speaker", daemon=True)
    drain.start()
    try:
        yield config
    finally:
        stop.set()
        drain.join()
        os.close(fd)


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
