"""Neural wake word models from Home Assistant's voice projects, with the trained models their wheels ship.

microWakeWord (`pymicro-wakeword`: okay nabu, hey jarvis, hey mycroft, alexa) is the streaming model Home
Assistant's Voice Preview Edition runs on its own chip; openWakeWord (`pyopen-wakeword`: the same words plus
hey rhasspy) scores a shared speech embedding with a small model per word. Either also takes a user's own
trained model: a microWakeWord `.json` (with its `.tflite` beside it) or an openWakeWord `.tflite`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agent.audio.frames import SAMPLE_RATE, SAMPLE_WIDTH
from agent.turn import WakeEvent

MICRO_WORDS = ("okay_nabu", "hey_jarvis", "hey_mycroft", "alexa")
OPEN_WORDS = ("okay_nabu", "hey_jarvis", "hey_mycroft", "alexa", "hey_rhasspy")
OPEN_THRESHOLD = 0.5
"""openWakeWord's own default detection threshold."""
COOLDOWN_S = 2.0
"""After a detection, the same phrase is not heard again this soon (its tail would wake twice)."""


class WakeModelError(ValueError):
    """No such wake word model: the message says which exist."""


def phrase_of(word: str) -> str:
    """The words of a model's name: okay_nabu -> "okay nabu"."""
    return Path(word).stem.replace("_", " ")


class _Detector:
    """Turns a model's stream of probabilities into wake events, with a cooldown."""

    model: Any
    features: Any

    def __init__(self, phrase: str, threshold: float) -> None:
        self.phrase = phrase
        self.threshold = threshold
        self._stream_s = 0.0
        self._quiet_until = -math.inf

    def reset(self) -> None:
        self.model.reset()
        self.features.reset()
        self._stream_s = 0.0
        self._quiet_until = -math.inf

    def feed(self, pcm: bytes) -> WakeEvent | None:
        self._stream_s += len(pcm) / (SAMPLE_RATE * SAMPLE_WIDTH)
        event = None
        for probability in self._probabilities(pcm):
            if probability > self.threshold and self._stream_s >= self._quiet_until:
                self._quiet_until = self._stream_s + COOLDOWN_S
                event = WakeEvent(self.phrase, round(min(1.0, probability), 3), at_s=round(self._stream_s, 2))
        return event

    def _probabilities(self, pcm: bytes) -> Iterator[float]:
        raise NotImplementedError


class MicroWake(_Detector):
    """microWakeWord: a built-in model by name, or a model's `.json` config."""

    def __init__(self, model: str = "okay_nabu") -> None:
        from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures, Model

        if model in MICRO_WORDS:
            self.model = MicroWakeWord.from_builtin(Model(model))
        elif Path(model).suffix == ".json" and Path(model).is_file():
            self.model = MicroWakeWord.from_config(Path(model))
        else:
            raise WakeModelError(f"no microWakeWord model {model!r}: use one of {', '.join(MICRO_WORDS)} or a "
                                 "model's .json file")
        super().__init__(self.model.wake_word.lower(), self.model.probability_cutoff)
        self.features = MicroWakeWordFeatures()

    def _probabilities(self, pcm: bytes) -> Iterator[float]:
        for features in self.features.process_streaming(pcm):
            probability = self.model.process_streaming_prob(features)
            if probability is not None:
                yield probability


class OpenWake(_Detector):
    """openWakeWord: a built-in model by name, or a model's `.tflite` file."""

    def __init__(self, model: str = "hey_rhasspy", threshold: float = OPEN_THRESHOLD) -> None:
        from pyopen_wakeword import Model, OpenWakeWord, OpenWakeWordFeatures

        if model in OPEN_WORDS:
            self.model = OpenWakeWord.from_builtin(Model(model))
        elif Path(model).suffix == ".tflite" and Path(model).is_file():
            self.model = OpenWakeWord.from_model(Path(model))
        else:
            raise WakeModelError(f"no openWakeWord model {model!r}: use one of {', '.join(OPEN_WORDS)} or a "
                                 "model's .tflite file")
        super().__init__(phrase_of(model), threshold)
        self.features = OpenWakeWordFeatures.from_builtin()

    def _probabilities(self, pcm: bytes) -> Iterator[float]:
        for embedding in self.features.process_streaming(pcm):
            yield from self.model.process_streaming(embedding)


def neural_wake(name: str) -> MicroWake | OpenWake:
    """A wake word model by name: microWakeWord's where it has one (what Home Assistant's satellites run),
    openWakeWord's otherwise; `micro:NAME` or `open:NAME` to choose; a `.json` (microWakeWord) or `.tflite`
    (openWakeWord) file for a model of one's own."""
    kind, model = which_model(name)
    return OpenWake(model) if kind == "open" else MicroWake(model)


def which_model(name: str) -> tuple[str, str]:
    """(`micro` or `open`, the model) a wake word's name means, without loading it; WakeModelError for none."""
    kind, _, model = name.partition(":") if name.startswith(("micro:", "open:")) else ("", "", name)
    if not Path(model).suffix:
        model = model.strip().lower().replace(" ", "_")
    if kind == "open" or model.endswith(".tflite") or (not kind and model in set(OPEN_WORDS) - set(MICRO_WORDS)):
        return "open", model
    if kind == "micro" or model.endswith(".json") or model in MICRO_WORDS:
        return "micro", model
    raise WakeModelError(f"no wake word model {name!r}: choose one of {', '.join(OPEN_WORDS)}, or a model file "
                         "(microWakeWord .json, openWakeWord .tflite)")
