"""Reading a recording in any common format: WAV natively (`agent.audio.wavfile`), anything else FFmpeg decodes
(FLAC, MP3, Ogg Vorbis/Opus, M4A/AAC, A-law or ADPCM WAV, a video's sound track) through PyAV, which
faster-whisper already brings. People's recordings come from phones and dictaphones, rarely as PCM WAV."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from agent.audio.errors import AudioFormatError
from agent.audio.wavfile import WavAudio, read_wav


def read_audio(path: str | Path) -> WavAudio:
    """Decode an audio file to float samples at its own rate (other formats than WAV: mixed down to mono);
    `AudioFormatError` naming the file, in one line, if it cannot be read or holds no sound."""
    path = Path(path)
    try:
        return read_wav(path)
    except AudioFormatError as not_wav:
        if not path.is_file():
            raise
        return _decoded(path, not_wav)


def _decoded(path: Path, not_wav: AudioFormatError) -> WavAudio:
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise AudioFormatError(f"{path}: no sound in this file")
            stream = container.streams.audio[0]
            rate = stream.rate or 16000
            mono = av.AudioResampler(format="flt", layout="mono", rate=rate)
            chunks = [frame.to_ndarray().reshape(-1) for decoded in container.decode(stream)
                      for frame in mono.resample(decoded)]
            chunks += [frame.to_ndarray().reshape(-1) for frame in mono.resample(None)]
    except (av.FFmpegError, OSError, ValueError) as exc:
        with path.open("rb") as file:
            if file.read(4) in (b"RIFF", b"RIFX"):
                raise not_wav from exc  # a WAV file: what is wrong with it says more than FFmpeg's "invalid data"
        raise AudioFormatError(f"{path}: not a recording (neither WAV nor a format FFmpeg decodes: FLAC, MP3, Ogg, "
                               "M4A, ...)") from exc
    samples = np.concatenate(chunks).astype(np.float64) if chunks else np.zeros(0)
    return WavAudio(samples.reshape(-1, 1), rate)
