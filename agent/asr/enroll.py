"""Voice enrollment: the household reads a few dozen commands and the acoustic model adapts to their voices.

Like the voice training of commercial assistants, and the MAP adaptation CMU Sphinx documents for its models:
each recording is force-aligned to its text, every frame is attributed to the Gaussians of the aligned phone's
codebook (posteriors under the current model, equal mixture weights), and each Gaussian moves towards the frames
it explains, weighted against the speaker-independent model by `tau`:

    mean = (tau * base_mean + sum(posterior * frame)) / (tau + sum(posterior))
    variance = (tau * (base_variance + base_mean**2) + sum(posterior * frame**2)) / (tau + sum(posterior)) - mean**2

A second pass re-aligns with the adapted model; a last one re-estimates each senone's mixture weights the same
way (posteriors now include the shipped weights; `TAU_WEIGHTS` frames of prior). The phone set stays. Each
recording is also learned from with noise added (white and pink, `NOISE_SNRS_DB`), so the adapted model still
works with the dishwasher running. One model serves the whole household (wake word and commands), so nobody has
to be identified first.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pocketsphinx

from agent.asr.acoustic import BASE_MODEL, MODEL_FILES, features, phone_set, read_cepstra, read_gaussians, \
    read_weights, write_gaussians, write_weights
from agent.nlu.jsgf import words_of
from agent.asr.pronounce import pronounce_all
from agent.audio.levels import dither
from agent.audio.noise import noise_sigma, with_noise
from agent.home import Home

RECIPE_VERSION = 2
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
    """Commands to read, generated from the NLU templates for this home (never from a test set); every fourth
    starts with the wake phrase so that its words are learned in context."""
    from agent.nlu.generate import generate, is_placeholder

    rng = random.Random(seed)
    texts = list(dict.fromkeys(e.text for e in generate(max(2, count // 10), seed, home)
                               if not any(map(is_placeholder, e.text.split()))))
    rng.shuffle(texts)
    picked = texts[:count]
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
    """Adapt `base` to `recordings` (plus noisy copies) and write the adapted model directory `out`."""
    out = Path(out)
    clean = len(recordings)
    recordings = [*recordings, *_noisy_copies(recordings, noise_snrs)]
    prior = read_gaussians(base / "means")
    prior_var = [np.maximum(v, VARIANCE_FLOOR) for v in read_gaussians(base / "variances")]
    variances = prior_var
    codebook = {phone: i for i, phone in enumerate(phone_set(base))}
    out.mkdir(parents=True, exist_ok=True)
    for name in MODEL_FILES:
        shutil.copyfile(base / name, out / name)
    header, prior_weights = read_weights(base / "sendump")
    means, used, skipped, frames = prior, 0, (), 0
    steps = (passes + 1) * len(recordings)
    for round_ in range(passes + 1):
        write_gaussians(out / "means", means)
        write_gaussians(out / "variances", variances)
        last = round_ == passes
        stats = _Statistics(means, variances, prior_weights if last else None)
        skipped_now: list[int] = []
        with _Aligner(out) as aligner:
            for i, recording in enumerate(recordings):
                aligned = aligner.align(recording)
                if aligned is None:
                    skipped_now.append(i)
                else:
                    stats.add(*aligned, codebook)
                if progress:
                    progress(round_ * len(recordings) + i + 1, steps)
        if last:
            counts = stats.weight_counts
            weights = (TAU_WEIGHTS * prior_weights + counts) / (TAU_WEIGHTS + counts.sum(axis=1, keepdims=True))
            write_weights(out / "sendump", header, weights)
            break
        means = [(tau * p + s) / (tau + o[..., None]) for p, s, o in zip(prior, stats.sums, stats.occupancy)]
        variances = [np.maximum((tau * (v + p ** 2) + q) / (tau + o[..., None]) - m ** 2, VARIANCE_SHRINK * v)
                     for v, p, q, o, m in zip(prior_var, prior, stats.squares, stats.occupancy, means)]
        skipped = tuple(recordings[i].text for i in skipped_now if i < clean)
        used, frames = clean - len(skipped), stats.frames
    write_gaussians(out / "means", means)
    write_gaussians(out / "variances", variances)
    (out / "enrollment.json").write_text(json.dumps(
        {"base": str(base), "recordings": used, "skipped": len(skipped), "frames": frames, "tau": tau,
         "passes": passes}, indent=2) + "\n")
    return EnrollmentResult(out, used, skipped, frames)


def _noisy_copies(recordings: Sequence[Recording], snrs: Sequence[float]) -> list[Recording]:
    """Each recording with noise at each SNR, alternately white and pink (seeded: enrollment is repeatable)."""
    rng = np.random.default_rng(0)
    copies = []
    for snr in snrs:
        for i, recording in enumerate(recordings):
            samples = np.frombuffer(recording.pcm, dtype="<i2")
            noisy = with_noise(samples, noise_sigma(samples, snr), rng, "white" if i % 2 else "pink")
            copies.append(Recording(recording.text, noisy.tobytes()))
    return copies


class _Statistics:
    """Posterior-weighted frame counts and sums per Gaussian, per feature stream."""

    def __init__(self, means: list[np.ndarray], variances: list[np.ndarray], weights: np.ndarray | None) -> None:
        self.means, self.variances, self.weights = means, variances, weights
        """With `weights` ([stream, density, senone]) posteriors include them and `weight_counts` are kept."""
        self.weight_counts = np.zeros_like(weights) if weights is not None else None
        self.occupancy = [np.zeros(m.shape[:2]) for m in means]
        self.sums = [np.zeros_like(m) for m in means]
        self.squares = [np.zeros_like(m) for m in means]
        self.frames = 0

    def add(self, streams: list[np.ndarray], states: list[tuple[str, int, int, int]], codebook: dict[str, int]) -> None:
        """Attribute each aligned state's frames to its phone's codebook's Gaussians."""
        length = len(streams[0])
        for phone, senone, start, end in states:
            book = codebook.get(phone)
            end = min(end, length)
            if book is None or end <= start:
                continue
            self.frames += end - start
            for k, stream in enumerate(streams):
                obs, mean, var = stream[start:end], self.means[k][book], self.variances[k][book]
                loglik = -0.5 * ((((obs[:, None, :] - mean[None]) ** 2) / var[None]).sum(axis=2)
                                 + np.log(var).sum(axis=1)[None])
                if self.weights is not None:
                    loglik += np.log(np.maximum(self.weights[k, :, senone], 1e-300))[None]
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

    def __enter__(self) -> _Aligner:
        self._logdir = Path(tempfile.mkdtemp(prefix="ambient-enroll-"))
        self.decoder = pocketsphinx.Decoder(hmm=str(self.model), lm=None, loglevel="FATAL",
                                            mfclogdir=str(self._logdir))
        self._rng = np.random.default_rng(0)
        return self

    def __exit__(self, *_: object) -> None:
        shutil.rmtree(self._logdir, ignore_errors=True)

    def align(self, recording: Recording) -> tuple[list[np.ndarray], list[tuple[str, int, int, int]]] | None:
        """Feature streams and (phone, senone, first frame, end frame) states; None when the audio does not fit."""
        words = words_of(recording.text)
        missing = [w for w in words if self.decoder.lookup_word(w) is None]
        for word, phones in pronounce_all(missing).items():
            if not phones:
                return None
            self.decoder.add_word(word, phones, False)
        for old in self._logdir.iterdir():
            old.unlink()
        audio = dither(recording.pcm, self._rng)
        try:
            self.decoder.set_align_text(" ".join(words))
            self._decode(audio)
            self.decoder.set_alignment()
            self._decode(audio)
            segments = [(phone.name, int(state.name), state.start, state.start + state.duration)
                        for word in self.decoder.get_alignment() for phone in word for state in phone]
        except RuntimeError:
            return None
        logged = sorted(self._logdir.glob("*.mfc"))
        if not segments or not logged:
            return None
        return features(read_cepstra(logged[-1])), segments

    def _decode(self, audio: bytes) -> None:
        self.decoder.start_utt()
        self.decoder.process_raw(audio, False, True)
        self.decoder.end_utt()
