"""An answer to a question back for a value the request left out ("What temperature should I set?", "Turn on
what?"): words that only say such a value ("350", "to three fifty please", "five minutes", "the floor lamp")
complete the asked request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from agent.nlu.slots import strip_determiners
from agent.text import DURATION_UNITS, NUMBER_FILLERS, is_number_word, parse_duration, parse_number, words_of
from agent.turn import DURATION, Intent, SlotValue

CARRIER_WORDS = frozenset({"to", "at", "for", "about", "around", "make", "it", "set", "say", "please", "just", "uh",
                           "um", "degrees", "degree", "percent", "per", "cent"})
"""Words an answer wraps its value in ("make it 350 degrees please"). Any other word makes the words a request
of their own ("set the thermostat to 70" after the oven asked), understood as such."""


def completed(text: str, asked: Intent, slot: str, names: frozenset[str] = frozenset()) -> Intent | None:
    """`asked` with the value of `slot` that `text` says filled in; None when `text` says more than a value. A
    name must be one of `names`, and is all the request says: what was read into a request left unsaid is a
    guess."""
    words = [w for w in words_of(text) if w not in CARRIER_WORDS]
    if slot == "name":
        name = strip_determiners(" ".join(words))
        return replace(asked, slots={"name": name}, text=text, alternatives=()) if name in names else None
    if not all(is_number_word(w) or w in DURATION_UNITS or w in NUMBER_FILLERS for w in words):
        return None
    filled: dict[str, SlotValue] = {}
    if slot == DURATION:
        filled.update(parse_duration(" ".join(words)))
    elif not any(w in DURATION_UNITS for w in words) and (number := parse_number(" ".join(words))) is not None:
        filled[slot] = number
    if not filled:
        return None
    return replace(asked, slots={**asked.slots, **filled}, text=text, alternatives=())


def completions(texts: Sequence[str], asked: Intent, slot: str, names: frozenset[str] = frozenset()) -> list[Intent]:
    """`asked` completed by each of `texts` (a request's words, then the recognizer's other readings) that says only
    the value of `slot`, in order."""
    return [filled for text in texts if (filled := completed(text, asked, slot, names)) is not None]
