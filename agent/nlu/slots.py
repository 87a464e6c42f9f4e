"""Turning recognised slot text into slot values: numbers, durations and canonical words."""

from __future__ import annotations

from agent.nlu.intents import NUMERIC_SLOTS
from agent.nlu.vocab import COLORS, DAYS, MEDIA_CLASS_WORDS, STATES
from agent.text import parse_duration, parse_number
from agent.turn import SlotValue

DURATION_SLOTS = ("hours", "minutes", "seconds")
"""Slots that together make a duration."""
DETERMINERS = frozenset({"the", "a", "an", "my", "our", "your", "this", "that", "these", "those", "all", "some"})
"""Words dropped from the front of names and areas."""

BRIGHTNESS_WORDS = {"full": 100, "maximum": 100, "max": 100, "half": 50}
"""Brightness said in words ("full brightness")."""
_STATE_WORDS = {word: state for state, words in STATES.items() for word in words} | {"close": "closed"}
_MEDIA_CLASSES = {word: cls for cls, words in MEDIA_CLASS_WORDS.items() for word in words} | {
    f"{word}s": cls for cls, words in MEDIA_CLASS_WORDS.items() for word in words if cls != "music"
} | {"songs": "song", "audiobooks": "audiobook", "films": "movie"}
_DAYS = {"this weekend": "weekend", "the weekend": "weekend", "on the weekend": "weekend"}
CLOSED_CLASSES: dict[str, frozenset[str]] = {
    "state": frozenset(_STATE_WORDS), "color": frozenset(COLORS), "day": frozenset(DAYS),
    "media_class": frozenset(_MEDIA_CLASSES),
}
"""Slots whose every value is a known word: recognised by the word itself when the tagger misses them."""


def closed_class(text: str, allowed: frozenset[str]) -> str | None:
    """The allowed closed-class slot that `text` is a value of, if any."""
    text = text.lower()
    return next((slot for slot, words in CLOSED_CLASSES.items() if slot in allowed and text in words), None)


def strip_determiners(text: str) -> str:
    """ "the kitchen light" -> "kitchen light"."""
    words = text.split()
    while len(words) > 1 and words[0] in DETERMINERS:
        words = words[1:]
    return " ".join(words)


def slot_value(label: str, text: str) -> SlotValue | None:
    """The value of slot `label` said as `text`, or None when it makes no sense."""
    text = " ".join(text.lower().split())
    if label == "brightness" and text in BRIGHTNESS_WORDS:
        return BRIGHTNESS_WORDS[text]
    if label in NUMERIC_SLOTS:
        return parse_number(text)
    if label in ("name", "area"):
        return strip_determiners(text)
    if label == "state":
        return _STATE_WORDS.get(text, text)
    if label == "media_class":
        return _MEDIA_CLASSES.get(text, text)
    if label == "day":
        return _DAYS.get(text, text)
    return text


def duration_parts(label: str, text: str) -> dict[str, int | float]:
    """Hours, minutes and seconds in a duration span; a bare number counts in the span's own unit."""
    parts: dict[str, int | float] = dict(parse_duration(text))
    if not parts:
        value = parse_number(text)
        if value is not None:
            parts[label] = value
    return parts
