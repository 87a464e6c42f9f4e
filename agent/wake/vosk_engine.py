"""Wake phrase spotting with vosk: a grammar of just the phrase and the garbage word, scored by word confidences."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import vosk

from agent.asr.vosk_engine import (
    grammar_json,
    load_model,
    missing_words,
    resolve_model_path,
)
from agent.audio.frames import SAMPLE_RATE, SAMPLE_WIDTH
from agent.turn import WakeEvent

SETTLE_S = 0.3
"""How long the phrase must stay in the partial result before it is finalized: vosk emits a word as it begins."""


class VoskWake:
    """Spots the wake phrase in a continuous stream (the `WakeEngine` protocol)."""

    def __init__(
        self, model_path: str | Path, phrase: str, cooldown_s: float = 2.0, threshold: float = 0.5
    ) -> None:
        self.model = load_model(resolve_model_path(model_path))
        self.phrase = " ".join(phrase.split())
        if missing := missing_words(self.model, [self.phrase]):
            raise ValueError(f"wake phrase {self.phrase!r}: the vosk model cannot recognize {missing}")
        self.cooldown_s = cooldown_s
        self.threshold = threshold
        self._words = self.phrase.split()
        self._recognizer = vosk.KaldiRecognizer(self.model, SAMPLE_RATE, grammar_json(self.model, [self.phrase]))
        self._recognizer.SetWords(True)
        self._samples = 0
        self._seen_at: int | None = None
        self._quiet_until_s = 0.0

    def reset(self) -> None:
        """Forget any partial match; the stream clock and the cooldown carry on."""
        self._recognizer.Reset()
        self._seen_at = None

    def feed(self, pcm: bytes) -> WakeEvent | None:
        """Add 16 kHz mono int16 audio; returns an event when the wake phrase has just been heard."""
        self._samples += len(pcm) // SAMPLE_WIDTH
        if not self._recognizer.AcceptWaveform(pcm) and not self._settled():
            return None
        self._seen_at = None
        score = self._score(json.loads(self._recognizer.Result()))
        now_s = self._samples / SAMPLE_RATE
        if score is None or score < self.threshold or now_s < self._quiet_until_s:
            return None
        self._quiet_until_s = now_s + self.cooldown_s
        return WakeEvent(self.phrase, score, at_s=now_s)

    def _settled(self) -> bool:
        """Whether the partial result has held the phrase for `SETTLE_S`, so its last word is complete."""
        words = json.loads(self._recognizer.PartialResult()).get("partial", "").split()
        n = len(self._words)
        if not any(words[i : i + n] == self._words for i in range(len(words) - n + 1)):
            self._seen_at = None
            return False
        if self._seen_at is None:
            self._seen_at = self._samples
        return self._samples - self._seen_at >= SETTLE_S * SAMPLE_RATE

    def _score(self, result: dict[str, Any]) -> float | None:
        """Mean confidence of the best occurrence of the phrase in a final result, or None when absent."""
        words = result.get("result", [])
        n = len(self._words)
        scores = [
            sum(w["conf"] for w in words[i : i + n]) / n
            for i in range(len(words) - n + 1)
            if [w["word"] for w in words[i : i + n]] == self._words
        ]
        return max(scores, default=None)
