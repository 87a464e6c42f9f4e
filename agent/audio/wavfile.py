"""Reading WAV files of any common PCM layout (8/16/24/32-bit integer, 32/64-bit float, extensible headers),
and writing 16-bit mono ones."""

from __future__ import annotations

import struct
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agent.audio.errors import AudioFormatError

PCM = 0x0001
IEEE_FLOAT = 0x0003
EXTENSIBLE = 0xFFFE
FORMAT_NAMES = {0x0002: "MS ADPCM", 0x0006: "A-law", 0x0007: "mu-law", 0x0011: "IMA ADPCM", 0x0031: "GSM 6.10",
                0x0055: "MP3", 0x00FF: "AAC", 0x0161: "WMA"}


@dataclass(frozen=True)
class WavAudio:
    """Decoded samples of a WAV file."""

    samples: np.ndarray
    """float64 in [-1, 1], shape (frames, channels)."""
    rate: int
    """Sample rate in Hz."""

    @property
    def channels(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.rate


def write_wav(path: str | Path, pcm: bytes | np.ndarray, rate: int = 16000) -> Path:
    """Write int16 mono samples (bytes or an array) as a 16-bit PCM WAV file."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm if isinstance(pcm, bytes) else np.asarray(pcm).astype("<i2").tobytes())
    return Path(path)


def read_wav(path: str | Path) -> WavAudio:
    """Decode a WAV file; `AudioFormatError` naming the file if it cannot be read or is not uncompressed PCM/float."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AudioFormatError(f"{path}: cannot read audio file: {exc.strerror or exc}") from exc
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        kind = "a big-endian RIFX WAV" if data[:4] == b"RIFX" else "not a WAV file (no RIFF/WAVE header)"
        raise AudioFormatError(f"{path}: {kind}; expected an uncompressed PCM WAV file")
    chunks = _chunks(data)
    if b"fmt " not in chunks:
        raise AudioFormatError(f"{path}: WAV file without a 'fmt ' chunk")
    if b"data" not in chunks:
        raise AudioFormatError(f"{path}: WAV file without a 'data' chunk")
    fmt = chunks[b"fmt "]
    if len(fmt) < 16:
        raise AudioFormatError(f"{path}: truncated 'fmt ' chunk")
    tag, channels, rate, _, block_align, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == EXTENSIBLE and len(fmt) >= 40:
        tag = struct.unpack("<H", fmt[24:26])[0]
    if tag not in (PCM, IEEE_FLOAT):
        name = FORMAT_NAMES.get(tag, f"format 0x{tag:04x}")
        raise AudioFormatError(f"{path}: {name} WAV files are compressed and not supported; convert to PCM "
                               f"(e.g. `sox {path.name} -b 16 out.wav`)")
    width = block_align // channels if channels else 0
    if channels == 0 or rate == 0 or width not in (1, 2, 3, 4, 8) or (tag == IEEE_FLOAT and width not in (4, 8)):
        raise AudioFormatError(f"{path}: unsupported WAV layout ({channels} channels, {rate} Hz, {bits} bits)")
    raw = chunks[b"data"]
    raw = raw[: len(raw) // block_align * block_align]
    samples = _decode(raw, width, tag == IEEE_FLOAT).reshape(-1, channels)
    return WavAudio(samples, rate)


def _chunks(data: bytes) -> dict[bytes, bytes]:
    """RIFF chunks by id (first of each); a last chunk cut short keeps what is there."""
    chunks: dict[bytes, bytes] = {}
    offset = 12
    while offset + 8 <= len(data):
        chunk_id, size = struct.unpack("<4sI", data[offset : offset + 8])
        chunks.setdefault(chunk_id, data[offset + 8 : offset + 8 + size])
        offset += 8 + size + (size & 1)
    return chunks


def _decode(raw: bytes, width: int, is_float: bool) -> np.ndarray:
    """Little-endian samples to float64 in [-1, 1]."""
    if is_float:
        return np.frombuffer(raw, dtype="<f4" if width == 4 else "<f8").astype(np.float64)
    if width == 1:
        return (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    if width == 3:
        triples = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        values = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
        return np.where(values >= 1 << 23, values - (1 << 24), values).astype(np.float64) / float(1 << 23)
    dtype = {2: "<i2", 4: "<i4", 8: "<i8"}[width]
    return np.frombuffer(raw, dtype=dtype).astype(np.float64) / float(2 ** (8 * width - 1))
