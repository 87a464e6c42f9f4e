"""Speech recognition with vosk (Kaldi): streaming, optional grammar, word confidences and n-best."""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import vosk

from agent.audio.frames import SAMPLE_RATE, SAMPLE_WIDTH
from agent.turn import Transcript

ENV_VAR = "VOSK_MODEL_PATH"
HOW_TO_GET = (
    "download an English model such as vosk-model-small-en-us-0.15 from "
    "https://alphacephei.com/vosk/models, unpack it, and pass --vosk-model DIR or set VOSK_MODEL_PATH"
)
UNKNOWN_WORDS = ("[unk]", "<UNK>")
"""Garbage-word symbols in vosk models (English models use the first); a grammar gets whichever the model has."""

REQUIRED = ("am/final.mdl", "conf/mfcc.conf", "conf/model.conf")
"""Files vosk.Model reads (vosk-api src/model.cc), checked first because a missing one can abort the process."""
GRAPHS = (("graph/HCLG.fst",), ("graph/HCLr.fst", "graph/Gr.fst"))
"""The decoding graph: a static HCLG, or HCLr and Gr composed at run time (needed for grammars)."""

vosk.SetLogLevel(-1)
log = logging.getLogger(__name__)


class VoskModelError(ValueError):
    """No usable vosk model: the message names the path and how to get a model."""


def resolve_model_path(explicit: str | Path | None) -> Path:
    """The model directory from `--vosk-model DIR`, else `$VOSK_MODEL_PATH`, checked to look like a vosk model."""
    raw = explicit if explicit not in (None, "") else os.environ.get(ENV_VAR)
    if not raw:
        raise VoskModelError(f"no vosk model given (--vosk-model DIR or ${ENV_VAR}): {HOW_TO_GET}")
    path = Path(raw).expanduser()
    problem = _model_problem(path)
    if problem:
        raise VoskModelError(f"vosk model {str(path)!r} {problem}: {HOW_TO_GET}")
    return path.resolve()


def _model_problem(path: Path) -> str | None:
    """Why `path` is not a vosk model directory, or None when it looks like one."""
    if not path.exists():
        return "does not exist"
    if not path.is_dir():
        return "is not a directory"
    if not any(path.iterdir()):
        return "is an empty directory"
    missing = _missing_files(path)
    if not missing:
        return None
    nested = [child.name for child in path.iterdir() if child.is_dir() and not _missing_files(child)]
    hint = f" (did you mean the model inside it, {nested[0]!r}?)" if nested else ""
    return f"is not a vosk model: missing {', '.join(missing)}{hint}"


def _missing_files(path: Path) -> list[str]:
    """The model files vosk needs that are absent or empty under `path`."""
    missing = [name for name in REQUIRED if not _nonempty(path / name)]
    if not any(all(_nonempty(path / name) for name in graph) for graph in GRAPHS):
        missing.append("graph/HCLG.fst (or graph/HCLr.fst with graph/Gr.fst)")
    return missing


def _nonempty(file: Path) -> bool:
    """Whether `file` exists and has content."""
    return file.is_file() and file.stat().st_size > 0


@functools.cache
def load_model(path: Path) -> vosk.Model:
    """Load a vosk model once per directory (loading takes seconds and hundreds of MB)."""
    try:
        return vosk.Model(str(path))
    except Exception as error:
        raise VoskModelError(f"vosk could not load the model {str(path)!r} ({error}): {HOW_TO_GET}") from error


def unknown_word(model: vosk.Model) -> str | None:
    """The model's garbage word, if it has one."""
    return next((word for word in UNKNOWN_WORDS if model.vosk_model_find_word(word) >= 0), None)


def missing_words(model: vosk.Model, phrases: Sequence[str]) -> list[str]:
    """Words of `phrases` the model cannot recognize (vosk silently drops them from a grammar)."""
    words = dict.fromkeys(word for phrase in phrases for word in phrase.split())
    return [word for word in words if model.vosk_model_find_word(word) < 0]


def grammar_json(model: vosk.Model, phrases: Sequence[str]) -> str:
    """A vosk grammar: the phrases plus the model's garbage word, so that other speech has somewhere to go."""
    unknown = unknown_word(model)
    return json.dumps([" ".join(p.split()) for p in phrases] + ([unknown] if unknown else []), ensure_ascii=False)


class VoskRecognizer:
    """Streaming vosk recognizer (the `Recognizer` protocol), optionally constrained to a phrase grammar."""

    engine = "vosk"

    def __init__(self, model_path: str | Path, grammar: list[str] | None = None, max_alternatives: int = 3) -> None:
        self.path = resolve_model_path(model_path)
        self.model = load_model(self.path)
        self.max_alternatives = max_alternatives
        self.unknown = unknown_word(self.model)
        self._grammar_json: str | None = None
        self._recognizer: vosk.KaldiRecognizer | None = None
        self._partial = ""
        self._samples = 0
        self.set_grammar(grammar)

    def set_grammar(self, phrases: list[str] | None) -> None:
        """From the next utterance on, hear only these phrases (plus the garbage word); None for dictation."""
        self._grammar_json = None
        if phrases is not None:
            if _nonempty(self.path / GRAPHS[0][0]):
                log.warning("vosk model %s has a static graph (HCLG) and ignores grammars", self.path)
            if missing := missing_words(self.model, phrases):
                log.warning("vosk model lacks grammar words %s: phrases using them cannot be heard", missing)
            self._grammar_json = grammar_json(self.model, phrases)
        self._recognizer = None

    hears_prefix = False

    def start(self, free: bool = False, prefix: str = "", prefix_s: float = 0.0, names: Sequence[str] = (),
              speaker_dbfs: float | None = None) -> None:
        """Begin a new utterance; `free`: dictation, whatever the grammar. No `prefix`: the audio starts after the
        wake phrase. No `names`: the grammar holds the home's words."""
        if self._grammar_json is None or free:
            recognizer = vosk.KaldiRecognizer(self.model, SAMPLE_RATE)
        else:
            recognizer = vosk.KaldiRecognizer(self.model, SAMPLE_RATE, self._grammar_json)
        recognizer.SetWords(True)
        recognizer.SetMaxAlternatives(self.max_alternatives)
        self._recognizer = recognizer
        self._partial = ""
        self._samples = 0

    def feed(self, pcm: bytes) -> str | None:
        """Add 16 kHz mono int16 audio; returns the partial transcript when it changed."""
        if self._recognizer is None:
            self.start()
        assert self._recognizer is not None
        self._recognizer.AcceptWaveform(pcm)
        self._samples += len(pcm) // SAMPLE_WIDTH
        partial = self._clean(json.loads(self._recognizer.PartialResult()).get("partial", ""))
        if partial == self._partial:
            return None
        self._partial = partial
        return partial

    def so_far(self) -> str | None:
        return self._partial

    def finish(self) -> Transcript:
        """End the utterance: best text, its confidence in [0, 1], and the other n-best texts."""
        if self._recognizer is None:
            self.start()
        assert self._recognizer is not None
        began = time.perf_counter()
        result = json.loads(self._recognizer.FinalResult())
        text, confidence, alternatives = self._parse(result)
        final_ms = (time.perf_counter() - began) * 1000
        audio_s = self._samples / SAMPLE_RATE
        self._recognizer = None
        return Transcript(text, confidence, alternatives, audio_s, final_ms, self.engine)

    def _parse(self, result: dict[str, Any]) -> tuple[str, float, tuple[str, ...]]:
        """Text, confidence and alternatives from a vosk result (single best with words, or n-best)."""
        if "alternatives" not in result:
            words = [w for w in result.get("result", []) if w["word"] != self.unknown]
            confidence = sum(w["conf"] for w in words) / len(words) if words else 0.0
            return self._clean(result.get("text", "")), confidence, ()
        texts = [self._clean(a["text"]) for a in result["alternatives"]]
        text = texts[0]
        alternatives = tuple(t for t in dict.fromkeys(texts) if t and t != text)
        return text, _top_posterior([a["confidence"] for a in result["alternatives"]]) if text else 0.0, alternatives

    def _clean(self, text: str) -> str:
        """The text without the model's unknown-word tokens."""
        return " ".join(w for w in text.split() if w != self.unknown)


def _top_posterior(log_likelihoods: list[float]) -> float:
    """Share of the first (best) hypothesis among the n-best: a softmax over their total log-likelihoods."""
    return 1.0 / sum(math.exp(score - log_likelihoods[0]) for score in log_likelihoods)
