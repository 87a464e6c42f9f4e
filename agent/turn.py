"""What flows between pipeline stages: one small typed dataclass per stage output."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

SlotValue = str | int | float


@dataclass(frozen=True)
class WakeEvent:
    """The wake phrase was heard."""

    phrase: str
    """The wake phrase as configured."""
    score: float
    """Detection score in [0, 1]."""
    remainder: str = ""
    """Text mode: what followed the wake phrase in the same utterance."""
    at_s: float | None = None
    """Audio mode: stream offset (seconds) at which the phrase ended (was detected)."""
    began_s: float | None = None
    """Audio mode: stream offset at which the phrase began, when the engine knows: a recognizer that hears the
    phrase as the start of the request (`Recognizer.hears_prefix`) is given the audio from there."""
    speaker_dbfs: float | None = None
    """Audio mode: the loudest 30 ms of the wake phrase (dBFS), when another voice was talking before it (a
    television): the request's words far under it are that voice's. None with no other voice about: the speaker
    may then say the request far quieter than the wake phrase."""


@dataclass(frozen=True)
class Transcript:
    """What the user said, as recognized."""

    text: str
    confidence: float
    """Recognizer confidence in [0, 1]."""
    alternatives: tuple[str, ...] = ()
    """N-best alternatives, best first, excluding `text`."""
    audio_s: float = 0.0
    """Audio mode: seconds of speech recognized."""
    final_ms: float = 0.0
    """Audio mode: ms from the end of speech to this final transcript."""
    engine: str = "text"
    """Which recognizer produced it (text, whisper, pocketsphinx, pocketsphinx-lm, vosk; wyoming: another one, over
    Wyoming)."""
    heard: str | None = None
    """What the recognizer wrote, when the home-constrained correction (`agent.asr.correct`) mapped it onto
    `text`, a phrase the home knows, or when `text` is the alternative reading of a request left unsaid
    (`agent.asr.audio.left_unsaid`); None when `text` is what it wrote."""


@dataclass(frozen=True)
class Rewrite:
    """The request after the rewrite layer; `rule` is None when nothing fired."""

    text: str
    original: str
    rule: str | None = None
    """Identifier of the rewrite that fired."""
    confidence: float = 1.0
    alternatives: tuple[str, ...] = ()
    """The recognizer's other hypotheses, best first, when no rewrite fired (a rewrite is a decision)."""
    speech_confidence: float = 1.0
    """How sure the recognizer was of the words (1 for typed text; a corrected transcript is unsure)."""


@dataclass(frozen=True)
class Intent:
    """What the user wants, before it is tied to concrete devices."""

    name: str
    """Home Assistant intent name, or a project name in the same style."""
    slots: dict[str, SlotValue] = field(default_factory=dict)
    confidence: float = 1.0
    text: str = ""
    """The text that was parsed."""
    hypothesis: int = 0
    """Which recognizer hypothesis was parsed: 0 the best, n its n-th alternative."""
    alternatives: tuple[Intent, ...] = ()
    """Parses of the recognizer's other hypotheses, best first, for resolution to fall back on."""
    steps: tuple[Intent, ...] = ()
    """A taught routine's requests, in order (intent `RunRoutine`)."""
    speech_confidence: float = 1.0
    """How sure the recognizer was of the words parsed (1 for typed text): unsure speech never opens, unlocks or
    heats without a yes."""
    rewritten: bool = False
    """The words parsed are a rewrite's, not the user's (learned or taught): they never open, unlock or heat
    without a yes."""

    def recast(self, name: str, slots: dict[str, SlotValue]) -> Intent:
        """The same words read as another request (what a follow-up means), as sure of them as before."""
        return Intent(name, slots, self.confidence, self.text, self.hypothesis, speech_confidence=self.speech_confidence,
                      rewritten=self.rewritten)


@dataclass(frozen=True)
class Resolution:
    """An intent with its slots tied to this home, or the reason it could not be."""

    intent: Intent
    devices: tuple[str, ...] = ()
    """Ids of the devices the request is about, in the order named."""
    values: dict[str, Any] = field(default_factory=dict)
    """Normalised values (brightness in %, temperature, duration in seconds, ...)."""
    question: str | None = None
    """A clarifying question when the request is ambiguous."""
    problem: str | None = None
    """An answer explaining why the request cannot be resolved."""
    scores: dict[str, float] = field(default_factory=dict)
    """Match score of each resolved device."""
    steps: tuple[Resolution, ...] = ()
    """A routine's requests, each resolved."""


class Outcome(StrEnum):
    """How a turn ended, as the result stage sees it."""

    SUCCESS = "success"
    """The request was carried out (and confirmed, if a device was involved)."""
    UNCONFIRMED = "unconfirmed"
    """A command was sent but the device did not confirm in time."""
    CLARIFY = "clarify"
    """The agent asked a question back."""
    CONFIRM = "confirm"
    """A security-sensitive action awaits the user's yes."""
    UNRESOLVED = "unresolved"
    """No such device, or nothing to act on."""
    UNSUPPORTED = "unsupported"
    """No skill can serve this request."""
    NO_WAKE = "no_wake"
    """No wake phrase: the turn was ignored."""
    NO_SPEECH = "no_speech"
    """Audio mode: the wake phrase was heard but no request followed."""
    ERROR = "error"
    """Something broke."""


@dataclass(frozen=True)
class Action:
    """One thing a skill did to the world."""

    device: str
    command: dict[str, Any]
    confirmed: bool


DURATION = "duration"
"""What a question for a length of time asks for: hours, minutes and seconds."""


@dataclass(frozen=True)
class Result:
    """The response of a skill."""

    speech: str
    outcome: Outcome
    actions: tuple[Action, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    """Structured answer (e.g. the temperature read), for tests and tools."""
    asks_for: str | None = None
    """The slot a question back asks the user to say ("temperature", or `DURATION`): their next words can fill it
    in (`agent.nlu.completion`)."""


@dataclass(frozen=True)
class Speech:
    """Rendered response audio."""

    text: str
    path: str | None
    """WAV file, or None for a null sink."""
    duration_s: float
