"""Pocketsphinx acoustic models on disk: the bundled US English model, its Gaussian codebooks (Sphinx's `s3`
binary format), its senones' mixture weights (`sendump`), its phone set (binary `mdef`) and the features it
was trained on (`1s_c_d_dd`, batch CMN).

Enrollment (see enroll.py) reads these, moves them towards the household's voices and writes an adapted copy
of the model directory; pocketsphinx loads it with `hmm=<dir>`.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pocketsphinx

BASE_MODEL = Path(pocketsphinx.get_model_path()) / "en-us" / "en-us"
"""The model shipped in the pocketsphinx wheel: phonetically tied mixtures, one codebook per base phone."""
MODEL_FILES = ("means", "variances", "mdef", "sendump", "transition_matrices", "feat.params", "noisedict")
"""Files that make a loadable model directory."""
BYTE_ORDER_MAGIC = 0x11223344
CEPSTRA = 13
"""Cepstral coefficients per frame (`-ceplen`)."""
WEIGHT_STEP = 1024 * math.log(1.0001)
"""A `sendump` byte q stands for the weight exp(-q * WEIGHT_STEP): log base 1.0001, shifted right by 10 bits."""
WEIGHT_MAX = 159
"""Largest byte pocketsphinx accepts in a `sendump` (the weight floor)."""


class ModelError(ValueError):
    """A model directory or file that cannot be used, with the path and what is wrong."""


def check_model_dir(path: str | os.PathLike[str]) -> Path:
    """`path` as a Path when it holds a complete pocketsphinx model; a ModelError naming what is missing."""
    directory = Path(path)
    missing = [name for name in MODEL_FILES if not (directory / name).is_file()]
    if missing:
        raise ModelError(f"{directory}: not an acoustic model directory (missing {', '.join(missing)}); "
                         "create one with `ambient enroll`")
    return directory


def read_gaussians(path: str | os.PathLike[str]) -> list[np.ndarray]:
    """Means or variances of a codebook file: one float64 array [codebook, density, dimension] per feature stream."""
    data = Path(path).read_bytes()
    try:
        pos = data.index(b"endhdr\n") + len(b"endhdr\n")
    except ValueError:
        raise ModelError(f"{path}: not a Sphinx s3 file (no header)") from None
    order = "<" if int.from_bytes(data[pos:pos + 4], "little") == BYTE_ORDER_MAGIC else ">"
    pos += 4
    codebooks, streams, densities = (int(v) for v in np.frombuffer(data, f"{order}i4", 3, pos))
    pos += 12
    sizes = [int(v) for v in np.frombuffer(data, f"{order}i4", streams, pos)]
    pos += 4 * streams
    total = int(np.frombuffer(data, f"{order}i4", 1, pos)[0])
    pos += 4
    if total != codebooks * densities * sum(sizes):
        raise ModelError(f"{path}: {total} values for {codebooks}x{densities}x{sum(sizes)} Gaussians")
    values = np.frombuffer(data, f"{order}f4", total, pos).astype(np.float64)
    blocks = values.reshape(codebooks, densities * sum(sizes))
    out, start = [], 0
    for size in sizes:
        out.append(blocks[:, start:start + densities * size].reshape(codebooks, densities, size).copy())
        start += densities * size
    return out


def write_gaussians(path: str | os.PathLike[str], streams: list[np.ndarray]) -> None:
    """Write codebooks in the layout read_gaussians reads (little-endian, without the optional checksum)."""
    codebooks, densities = streams[0].shape[:2]
    values = np.concatenate([s.reshape(codebooks, -1) for s in streams], axis=1).astype("<f4")
    header = np.array([codebooks, len(streams), densities, *(s.shape[2] for s in streams), values.size], "<i4")
    with open(path, "wb") as out:
        out.write(b"s3\nversion 1.0\nendhdr\n")
        out.write(np.array([BYTE_ORDER_MAGIC], "<u4").tobytes())
        out.write(header.tobytes())
        out.write(values.tobytes())


def read_weights(path: str | os.PathLike[str]) -> tuple[bytes, np.ndarray]:
    """A `sendump` file: its header (kept verbatim when writing) and the mixture weights [stream, density, senone]."""
    data = Path(path).read_bytes()
    pos = 0

    def int32() -> int:
        nonlocal pos
        pos += 4
        return int.from_bytes(data[pos - 4:pos], "little", signed=True)

    for _ in range(2):  # title, header
        length = int32()
        pos += length
    while (length := int32()) != 0:
        if length < 0 or pos + length > len(data):
            raise ModelError(f"{path}: not a sendump file")
        pos += length
    densities, senones = int32(), int32()
    streams = (len(data) - pos) // (densities * senones) if densities > 0 and senones > 0 else 0
    if streams < 1 or pos + streams * densities * senones != len(data):
        raise ModelError(f"{path}: not an uncompressed 8-bit sendump file")
    quantized = np.frombuffer(data, np.uint8, offset=pos).reshape(streams, densities, senones)
    return data[:pos], np.exp(-quantized.astype(np.float64) * WEIGHT_STEP)


def write_weights(path: str | os.PathLike[str], header: bytes, weights: np.ndarray) -> None:
    """Write mixture weights [stream, density, senone] as a `sendump` after `header` (from read_weights)."""
    quantized = np.clip(np.rint(-np.log(np.maximum(weights, 1e-300)) / WEIGHT_STEP), 0, WEIGHT_MAX)
    Path(path).write_bytes(header + quantized.astype(np.uint8).tobytes())


def phone_set(model: str | os.PathLike[str] = BASE_MODEL) -> tuple[str, ...]:
    """The model's base phones in codebook order, from its binary `mdef`."""
    path = Path(model) / "mdef"
    data = path.read_bytes()
    if data[:4] != b"BMDF":
        raise ModelError(f"{path}: not a binary model definition")
    description = int.from_bytes(data[8:12], "little")
    pos = (12 + description + 3) // 4 * 4
    count = int.from_bytes(data[pos:pos + 4], "little")
    names = data[pos + 40:].split(b"\0", count)[:count]
    return tuple(name.decode("ascii") for name in names)


def read_cepstra(path: str | os.PathLike[str]) -> np.ndarray:
    """A Sphinx `.mfc` file (as written with `mfclogdir`): [frames, 13] cepstra."""
    data = Path(path).read_bytes()
    count = int.from_bytes(data[:4], "little")
    order = "<" if 4 + 4 * count == len(data) else ">"
    return np.frombuffer(data, f"{order}f4", offset=4).astype(np.float64).reshape(-1, CEPSTRA)


def features(cepstra: np.ndarray) -> list[np.ndarray]:
    """The model's three feature streams for one utterance: cepstra after batch mean normalization, their
    deltas (c[t+2] - c[t-2]) and double deltas ((c[t+3] - c[t-1]) - (c[t+1] - c[t-3])), edges repeated."""
    c = cepstra - cepstra.mean(axis=0)
    padded = np.concatenate([c[:1].repeat(3, axis=0), c, c[-1:].repeat(3, axis=0)])
    t = np.arange(len(c)) + 3
    return [c, padded[t + 2] - padded[t - 2], (padded[t + 3] - padded[t - 1]) - (padded[t + 1] - padded[t - 3])]
