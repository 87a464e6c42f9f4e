"""Voice enrollment: the household reads a few dozen commands and the acoustic model adapts to their voices.

Like the voice training of commercial assistants, and the MAP adaptation CMU Sphinx documents for its models:
each recording is force-aligned to its text, every frame is attributed to the Gaussians of the aligned phone's
codebook (posteriors under the current model, equal mixture weights), and each Gaussian moves towards the frames
it explains, weighted against the speaker-independent model by `tau`:

    mean = (tau * base_mean + sum(posterior * frame)) / (tau + sum(posterior))
    variance = (tau * (base_variance + base_mean**2) + sum(posterior * frame**2)) / (tau + sum(posterior)) - mean**2

A second pass re-aligns with the adapted model; a last one re-estimates each senone's mixture weights the same
way (posteriors now include the shipped weights; `TAU_WEIGHTS` frames of prior). The phone set stays. Each
recording that fits its text in a pass is also learned from with noise added (white and pink, `NOISE_SNRS_DB`),
so the adapted model still works with the dishwasher running. One model serves the whole household (wake word
and commands), so nobody has to be identified first. Recordings are aligned by `WORKERS` processes at once.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import multiprocessing
import os
import random
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np
import pocketsphinx

from agent.asr.acoustic import (
    BASE_MODEL,
    MODEL_FILES,
    features,
    phone_set,
    read_cepstra,
    read_gaussians,
    read_weights,
    write_gaussians,
    write_weights,
)
from agent.asr.pronounce import pronounce_all
from agent.audio.levels import dither
from agent.audio.noise import noise_sigma, with_noise
from agent.home import Home
from agent.nlu.vocab import OPPOSITES
from agent.text import words_of

RECIPE_VERSION = 4
"""Bumped whenever enrollment would produce a different model from the same recordings (caches key on it)."""
TAU = 3.0
"""Weight of the speaker-independent mean, in frames: low, because enrollment speech is clean and on-topic."""
PASSES = 2
"""Align-and-adapt rounds for means and variances; the second aligns with the first's model."""
TAU_WEIGHTS = 200.0
"""Weight of the shipped mixture weights, in frames: senones see few enrollment frames each, so a strong prior
(on the dev set 60 lost accuracy, 200 and 800 gained 2-4 points)."""
VARIANCE_FLOOR = 1e-4
"""Lower bound on variances when computing posteriors (unused Gaussians have zero variance)."""
VARIANCE_SHRINK = 0.25
"""An adapted variance stays at least this share of the shipped one: a few frames cannot collapse it."""
NOISE_SNRS_DB = (5.0, 10.0, 20.0)
"""Noisy copies learned from besides each clean recording (multi-condition adaptation)."""
PROMPTS = 25
"""Prompts per person: about two minutes of reading."""
WORKERS = os.cpu_count() or 1
"""Processes that align recordings at once."""
CHUNK = 8
"""Recordings a process aligns per task."""
MIN_FIT = -34.5
"""Lowest alignment score per frame (pocketsphinx's log units) of a recording that says its text. With the
bundled model, espeak-ng voices reading generated prompts score -18 to -33; another prompt's text forced
onto a recording, when it aligns at all, -35 to -47 (24 prompts x 4 voices). Noisy copies are not held to it."""
RETRY_PADS = (0, 1600, 3200, 4800, 6400, 9600)
"""Silence (bytes, 0, 100 and 200 ms) added at both ends of a recording on each try: pocketsphinx's state
alignment gives up on some recordings that do say their text (about one in four espeak-ng commands), and
rarely on the same one padded differently."""
KEY_WORDS = frozenset().union(*OPPOSITES)
"""Words a command turns on: mishear one and the opposite happens."""
PROMPT_POOL = 4
"""Generated commands per intent that the prompts are picked from."""


@dataclass(frozen=True)
class Recording:
    """One enrollment utterance."""

    text: str
    """What was read."""
    pcm: bytes
    """16 kHz mono int16 audio of it."""


@dataclass(frozen=True)
class EnrollmentResult:
    """What enrollment produced."""

    model: Path
    """The adapted model directory (pass it as `--acoustic-model`)."""
    used: int
    """Recordings that were aligned and learned from."""
    skipped: tuple[str, ...]
    """Texts of recordings that could not be aligned to their audio."""
    frames: int
    """10 ms frames learned from in the last pass, noisy copies included."""


def prompts(home: Home, count: int = PROMPTS, seed: int = 0, wake_phrase: str = "hey home") -> list[str]:
    """Commands to read, generated from the NLU templates for this home (never from a test set): one intent after
    another, most common first, each the candidate that says the most of the words that flip a command ("on"
    and "off") not yet read, then the most words not yet read (like the balanced prompts of dictation
    enrollment); every fourth starts with the wake phrase so that its words are learned in context."""
    from agent.nlu.generate import WEIGHTS, generate, is_placeholder

    rng = random.Random(seed)
    pool: dict[str, list[str]] = {}
    for example in generate(PROMPT_POOL, seed, home):
        if example.intent != "OutOfDomain" and not any(map(is_placeholder, example.text.split())):
            pool.setdefault(example.intent, []).append(example.text)
    intents = sorted(pool, key=lambda intent: (-WEIGHTS.get(intent, 1.0), intent))
    read: set[str] = set()
    picked: list[str] = []
    for intent in itertools.islice(itertools.cycle(intents), 10 * count):
        fresh = [text for text in pool[intent] if text not in picked]
        if len(picked) == count or not fresh:
            continue
        best = max(rng.sample(fresh, len(fresh)), key=lambda text: (len(set(text.split()) & KEY_WORDS - read),
                                                                     len(set(text.split()) - read)))
        picked.append(best)
        read.update(best.split())
    return [f"{wake_phrase}, {text}" if i % 4 == 0 else text for i, text in enumerate(picked)]


def read_recordings(directory: str | Path) -> list[Recording]:
    """Every `NAME.wav` in `directory` with the text read in `NAME.txt` (any WAV format; resampled to 16 kHz)."""
    from agent.audio.sources import to_pcm16k
    from agent.audio.wavfile import read_wav

    directory = Path(directory)
    wavs = sorted(directory.glob("*.wav"))
    if not wavs:
        raise ValueError(f"{directory}: no .wav recordings to enroll from")
    recordings = []
    for wav in wavs:
        text_file = wav.with_suffix(".txt")
        if not text_file.is_file():
            raise ValueError(f"{wav}: no {text_file.name} with the text that was read")
        audio = read_wav(wav)
        recordings.append(Recording(text_file.read_text(encoding="utf-8").strip(), to_pcm16k(audio.samples, audio.rate)))
    return recordings


def enroll(recordings: Sequence[Recording], out: str | Path, base: Path = BASE_MODEL, tau: float = TAU,
           passes: int = PASSES, noise_snrs: Sequence[float] = NOISE_SNRS_DB,
           progress: Callable[[int, int], None] | None = None) -> EnrollmentResult:
    """Adapt `base` to `recordings` (plus noisy copies of those that fit their text) and write the adapted model
    directory `out`."""
    out = Path(out)
    copies = _noisy_copies(recordings, noise_snrs)
    prior = read_gaussians(base / "means")
    prior_var = [np.maximum(v, VARIANCE_FLOOR) for v in read_gaussians(base / "variances")]
    variances = prior_var
    codebook = {phone: i for i, phone in enumerate(phone_set(base))}
    out.mkdir(parents=True, exist_ok=True)
    for name in MODEL_FILES:
        shutil.copyfile(base / name, out / name)
    header, prior_weights = read_weights(base / "sendump")
    means, used, frames = prior, 0, 0
    skipped: tuple[str, ...] = ()
    done, steps = 0, (passes + 1) * (len(recordings) + len(copies))
    workers = min(WORKERS, max(1, (len(recordings) + len(copies)) // CHUNK))
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) if workers > 1 else \
            contextlib.nullcontext() as pool:
        for round_ in range(passes + 1):
            write_gaussians(out / "means", means)
            write_gaussians(out / "variances", variances)
            last = round_ == passes
            model = _Model(means, variances, prior_weights if last else None)
            stats, missed = _Statistics(model), set[int]()
            for offset, batch in ((0, recordings), (len(recordings), copies)):
                numbered = [(offset + n, r) for n, r in enumerate(batch) if n % len(recordings) not in missed]
                for part, failed in _passes(pool, out, numbered, model, codebook, MIN_FIT if offset == 0 else None):
                    stats.merge(part)
                    missed.update(failed if offset == 0 else ())
                    done += CHUNK
                    if progress:
                        progress(min(done, steps), steps)
            if last:
                counts = stats.weight_counts
                assert counts is not None  # the last pass's model has weights, so its statistics count them
                weights = (TAU_WEIGHTS * prior_weights + counts) / (TAU_WEIGHTS + counts.sum(axis=1, keepdims=True))
                write_weights(out / "sendump", header, weights)
                break
            means = [(tau * p + s) / (tau + o[..., None]) for p, s, o in zip(prior, stats.sums, stats.occupancy)]
            variances = [np.maximum((tau * (v + p ** 2) + q) / (tau + o[..., None]) - m ** 2, VARIANCE_SHRINK * v)
                         for v, p, q, o, m in zip(prior_var, prior, stats.squares, stats.occupancy, means)]
            skipped = tuple(recordings[n].text for n in sorted(missed))
            used, frames = len(recordings) - len(skipped), stats.frames
    if progress:
        progress(steps, steps)
    write_gaussians(out / "means", means)
    write_gaussians(out / "variances", variances)
    (out / "enrollment.json").write_text(json.dumps(
        {"base": str(base), "recordings": used, "skipped": len(skipped), "frames": frames, "tau": tau,
         "passes": passes}, indent=2) + "\n")
    return EnrollmentResult(out, used, skipped, frames)


def _noisy_copies(recordings: Sequence[Recording], snrs: Sequence[float]) -> list[Recording]:
    """Each recording with noise at each SNR, alternately white and pink (seeded: enrollment is repeatable);
    copy `n` is of recording `n % len(recordings)`."""
    rng = np.random.default_rng(0)
    copies = []
    for snr in snrs:
        for i, recording in enumerate(recordings):
            samples = np.frombuffer(recording.pcm, dtype="<i2")
            noisy = with_noise(samples, noise_sigma(samples, snr), rng, "white" if i % 2 else "pink")
            copies.append(Recording(recording.text, noisy.tobytes()))
    return copies


@dataclass(frozen=True)
class _Model:
    """The Gaussians (and, in the last pass, mixture weights) that frames are attributed under."""

    means: list[np.ndarray]
    variances: list[np.ndarray]
    weights: np.ndarray | None
    """[stream, density, senone]; with them, posteriors include the weights and weight counts are kept."""


def _passes(pool: ProcessPoolExecutor | None, model_dir: Path, numbered: Sequence[tuple[int, Recording]],
            model: _Model, codebook: dict[str, int], min_fit: float | None
            ) -> Iterator[tuple[_Statistics, list[int]]]:
    """Statistics and unaligned recording numbers of each `CHUNK` of numbered recordings in turn, gathered by the
    pool's processes."""
    chunks = [(model_dir, numbered[first:first + CHUNK], model, codebook, min_fit)
              for first in range(0, len(numbered), CHUNK)]
    if pool is None:
        return (_gather(*chunk) for chunk in chunks)
    return (future.result() for future in [pool.submit(_gather, *chunk) for chunk in chunks])


def _gather(model_dir: Path, numbered: Sequence[tuple[int, Recording]], model: _Model,
            codebook: dict[str, int], min_fit: float | None) -> tuple[_Statistics, list[int]]:
    """Align numbered recordings with the model in `model_dir`; their statistics, and the numbers of those that
    could not be aligned."""
    stats, failed = _Statistics(model), []
    with _Aligner(model_dir) as aligner:
        for number, recording in numbered:
            aligned = aligner.align(recording, number, min_fit)
            if aligned is None:
                failed.append(number)
            else:
                stats.add(*aligned, codebook, model)
    return stats, failed


class _Statistics:
    """Posterior-weighted frame counts and sums per Gaussian, per feature stream."""

    def __init__(self, model: _Model) -> None:
        self.weight_counts = np.zeros_like(model.weights) if model.weights is not None else None
        self.occupancy = [np.zeros(m.shape[:2]) for m in model.means]
        self.sums = [np.zeros_like(m) for m in model.means]
        self.squares = [np.zeros_like(m) for m in model.means]
        self.frames = 0

    def merge(self, other: _Statistics) -> None:
        """Add another chunk's statistics."""
        if self.weight_counts is not None and other.weight_counts is not None:
            self.weight_counts += other.weight_counts
        for mine, theirs in ((self.occupancy, other.occupancy), (self.sums, other.sums),
                             (self.squares, other.squares)):
            for a, b in zip(mine, theirs):
                a += b
        self.frames += other.frames

    def add(self, streams: list[np.ndarray], states: list[tuple[str, int, int, int]], codebook: dict[str, int],
            model: _Model) -> None:
        """Attribute each aligned state's frames to its phone's codebook's Gaussians."""
        length = len(streams[0])
        for phone, senone, start, end in states:
            book = codebook.get(phone)
            end = min(end, length)
            if book is None or end <= start:
                continue
            self.frames += end - start
            for k, stream in enumerate(streams):
                obs, mean, var = stream[start:end], model.means[k][book], model.variances[k][book]
                loglik = -0.5 * ((((obs[:, None, :] - mean[None]) ** 2) / var[None]).sum(axis=2)
                                 + np.log(var).sum(axis=1)[None])
                if model.weights is not None:
                    loglik += np.log(np.maximum(model.weights[k, :, senone], 1e-300))[None]
                post = np.exp(loglik - loglik.max(axis=1, keepdims=True))
                post /= post.sum(axis=1, keepdims=True)
                if self.weight_counts is not None:
                    self.weight_counts[k, :, senone] += post.sum(axis=0)
                self.occupancy[k][book] += post.sum(axis=0)
                self.sums[k][book] += post.T @ obs
                self.squares[k][book] += post.T @ (obs ** 2)


class _Aligner:
    """Forced alignment of recordings to their text with one model directory, logging the cepstra it computes."""

    def __init__(self, model: Path) -> None:
        self.model = model

    def __enter__(self) -> Self:
        self._logdir = Path(tempfile.mkdtemp(prefix="ambient-enroll-"))
        self.decoder = pocketsphinx.Decoder(hmm=str(self.model), lm=None, loglevel="FATAL",
                                            mfclogdir=str(self._logdir))
        return self

    def __exit__(self, *_: object) -> None:
        shutil.rmtree(self._logdir, ignore_errors=True)

    def align(self, recording: Recording, seed: int, min_fit: float | None = None
              ) -> tuple[list[np.ndarray], list[tuple[str, int, int, int]]] | None:
        """Feature streams and (phone, senone, first frame, end frame) states; None when the audio does not fit
        (no alignment, or one scoring under `min_fit` per frame). `seed` seeds the dither, so a recording aligns
        the same whichever process aligns it."""
        words = words_of(recording.text)
        missing = [w for w in words if self.decoder.lookup_word(w) is None]
        for word, phones in pronounce_all(missing).items():
            if not phones:
                return None
            self.decoder.add_word(word, phones, False)
        for pad in RETRY_PADS:
            for old in self._logdir.iterdir():
                old.unlink()
            audio = dither(bytes(pad) + recording.pcm + bytes(pad), np.random.default_rng(seed))
            try:
                segments, score, frames = self._align(words, audio)
                break
            except RuntimeError:
                continue
        else:
            return None
        if min_fit is not None and score / max(1, frames) < min_fit:
            return None
        logged = sorted(self._logdir.glob("*.mfc"))
        if not segments or not logged:
            return None
        return features(read_cepstra(logged[-1])), segments

    def _align(self, words: Sequence[str], audio: bytes) -> tuple[list[tuple[str, int, int, int]], int, int]:
        """States of `audio` aligned to `words`, the alignment's score and its frames; RuntimeError when
        pocketsphinx gives up."""
        self.decoder.set_align_text(" ".join(words))
        self._decode(audio)
        self.decoder.set_alignment()
        self._decode(audio)
        segments, score, frames = [], 0, 0
        for word in self.decoder.get_alignment():  # one pass: its entries do not outlive the iteration
            score, frames = score + word.score, frames + word.duration
            segments += [(phone.name, int(state.name), state.start, state.start + state.duration)
                         for phone in word for state in phone]
        return segments, score, frames

    def _decode(self, audio: bytes) -> None:
        self.decoder.start_utt()
        self.decoder.process_raw(audio, False, True)
        self.decoder.end_utt()
