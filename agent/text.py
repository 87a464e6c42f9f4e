"""The project's one way of reading text: a request as the recognizer's words (`words_of`, `spoken`) and as the
NLU's input (`normalise`); numbers spoken as words or digits, parsed ("seventy two" -> 72) and said (72 ->
"seventy two")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

SPELLINGS: dict[str, str] = {"whats": "what's", "per cent": "percent"}
"""Spellings that sound the same as another; one is kept so transcripts are stable."""
_TOKEN = re.compile(r"[a-z0-9']+")
_SAME_SOUND = re.compile(r"\b(" + "|".join(map(re.escape, SPELLINGS)) + r")\b")
_PUNCTUATION = re.compile(r"[!?,;:\"()\[\]{}]|\.(?!\d)|(?<!\w)'(?!\w)")


def words_of(text: str) -> tuple[str, ...]:
    """Lowercase recognizer words of `text`: punctuation dropped, digits spelled out."""
    said = text.lower().replace("-", " ").replace("%", " percent ").replace("°", " degrees ")
    said = _SAME_SOUND.sub(lambda m: SPELLINGS[m[0]], said)
    tokens = _TOKEN.findall(said)
    return tuple(w for token in tokens for w in (to_words(int(token)).split() if token.isdigit() else (token,)))


ARTICLES = frozenset({"the", "a", "an", "my", "our", "your"})
"""Words a request never ends on: one that does was left unsaid ("turn on the ...")."""


def last_word(text: str) -> str:
    """The last word of `text` as the templates spell it ("" for none)."""
    words = words_of(text)
    return words[-1] if words else ""


def without_phrase(text: str, phrase: str) -> str:
    """`text` (words apart by spaces) without `phrase` wherever it is said: a wake phrase Whisper writes again
    after the forced one ("hey home hey home ..."), between two copies of a short request ("stop hey home stop"),
    or before a request heard without it ("hey home yes")."""
    words, said = text.split(), list(words_of(phrase))
    if not said:
        return text
    kept: list[str] = []
    i = 0
    while i < len(words):
        if words[i:i + len(said)] == said:
            i += len(said)
        else:
            kept.append(words[i])
            i += 1
    return " ".join(kept)


def spoken(text: str) -> str:
    """Text as the words one says, space-separated (see `words_of`)."""
    return " ".join(words_of(text))


def normalise(text: str) -> str:
    """Text as the NLU reads it: lowercase, no punctuation, single spaces (digits kept)."""
    text = text.lower().replace("%", " percent ").replace("°", " degrees ").replace("-", " ")
    return " ".join(_PUNCTUATION.sub(" ", text).split())


NumberStyle = Literal["digits", "words", "words_and", "colloquial"]

_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
          "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
SMALL: dict[str, int] = {word: i for i, word in enumerate(_UNITS)} | {"oh": 0}
"""Words for 0-19."""
TENS: dict[str, int] = {word: 20 + 10 * i for i, word in enumerate(_TENS)}
"""Words for 20, 30, ... 90."""
SCALES: dict[str, int] = {"hundred": 100, "thousand": 1000}
"""Multiplier words."""
FRACTIONS: dict[str, float] = {"half": 0.5, "quarter": 0.25}
"""Fraction words."""
UNIT_WORDS = frozenset({"percent", "per", "cent", "degrees", "degree", "fahrenheit", "celsius", "%", "°"})
"""Words that may follow a number and carry no value."""
DURATION_UNITS: dict[str, str] = {
    **dict.fromkeys(("hour", "hours", "hr", "hrs"), "hours"),
    **dict.fromkeys(("minute", "minutes", "min", "mins"), "minutes"),
    **dict.fromkeys(("second", "seconds", "sec", "secs"), "seconds"),
}
"""Duration unit words -> slot name."""
NUMBER_FILLERS = frozenset({"and", "a", "an", "of"})
"""Words inside a spoken number or duration ("a hundred and five", "an hour and a half")."""
_NUMERIC = re.compile(r"^\d+(?:\.\d+)?$")


def is_number_word(word: str) -> bool:
    """Whether `word` can be part of a spoken number."""
    return word in SMALL or word in TENS or word in SCALES or word in FRACTIONS or bool(_NUMERIC.match(word))


def _words(text: str) -> list[str]:
    text = text.lower().replace(",", "").replace("-", " ").replace("%", " % ")
    return [w for w in text.split() if w not in UNIT_WORDS]


def parse_number(text: str) -> int | float | None:
    """The number spoken in `text` ("three fifty" -> 350, "one and a half" -> 1.5), or None."""
    words = _words(text)
    if not words:
        return None
    fraction = 0.0
    groups: list[int] = []  # numbers below 100 said one after another ("three fifty")
    total = 0
    current: int | None = None
    tens_open = False  # the current group is a bare tens word that a unit may complete
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if _NUMERIC.match(word):
            value = float(word)
            if current is not None:
                groups.append(current)
            current, tens_open = (int(value) if value.is_integer() else value), False  # type: ignore[assignment]
        elif word in TENS:
            if current is not None:
                groups.append(current)
            current, tens_open = TENS[word], True
        elif word in SMALL:
            if current is not None and tens_open and SMALL[word] < 10:
                current += SMALL[word]
            else:
                if current is not None:
                    groups.append(current)
                current = SMALL[word]
            tens_open = False
        elif word in SCALES:
            base = current if current is not None else 1
            if SCALES[word] == 1000:
                total += (base + sum(groups)) * 1000
                groups, current = [], None
            else:
                current = base * 100
            tens_open = False
        elif word in FRACTIONS:
            fraction += FRACTIONS[word]
        elif word in ("a", "an"):
            if current is None and (nxt in SCALES or all(w in NUMBER_FILLERS for w in words)):
                current = 1  # "a hundred", or a bare "an" (hour)
        elif word in NUMBER_FILLERS:
            continue
        else:
            return None
    if current is not None:
        groups.append(current)
    if len(groups) == 2 and groups[0] < 100 and 10 <= groups[1] < 100:
        value = float(groups[0] * 100 + groups[1])
    elif len(groups) <= 1 or all(g % 100 == 0 for g in groups[:-1]):
        value = sum(groups)
    else:
        return None
    value += total + fraction
    if not groups and not total and not fraction:
        return None
    return int(value) if float(value).is_integer() else value


def parse_duration(text: str) -> dict[str, int]:
    """Hours, minutes and seconds said in `text` ("an hour and a half" -> {hours: 1, minutes: 30})."""
    words = ["two" if w == "couple" else w for w in _words(text)]  # "a couple of minutes"
    amounts: dict[str, float] = {}
    buffer: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        unit = DURATION_UNITS.get(word)
        if unit is None:
            if is_number_word(word) or word in NUMBER_FILLERS:
                buffer.append(word)
            i += 1
            continue
        value = parse_number(" ".join(buffer)) if any(w not in NUMBER_FILLERS for w in buffer) else 1
        buffer = []
        if words[i + 1:i + 4] == ["and", "a", "half"]:
            value = (value or 0) + 0.5
            i += 3
        if value is not None:
            amounts[unit] = amounts.get(unit, 0) + value
        i += 1
    return _carry(amounts)


def _carry(amounts: dict[str, float]) -> dict[str, int]:
    """Push fractional hours into minutes and fractional minutes into seconds."""
    out: dict[str, int] = {}
    carry = 0.0
    for unit, factor in (("hours", 60), ("minutes", 60), ("seconds", 1)):
        if unit not in amounts and not carry:
            continue
        value = amounts.get(unit, 0) + carry
        whole = int(value)
        carry = round((value - whole) * factor, 6)
        if whole or unit in amounts:
            out[unit] = whole
    return {unit: value for unit, value in out.items() if value or len(out) == 1}


def to_words(n: int, conjunction: bool = False) -> str:
    """`n` (0 <= n < 1,000,000) in words: 150 -> "one hundred fifty" ("one hundred and fifty")."""
    if n < 20:
        return _UNITS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _TENS[tens - 2] + (f" {_UNITS[unit]}" if unit else "")
    joiner = " and " if conjunction else " "
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_UNITS[hundreds]} hundred" + (f"{joiner}{to_words(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    return f"{to_words(thousands)} thousand" + (f"{joiner}{to_words(rest, conjunction)}" if rest else "")


def say_number(n: int, style: NumberStyle) -> str:
    """`n` as digits, words (with or without "and"), or colloquially (350 -> "three fifty") where people do."""
    if style == "digits":
        return str(n)
    hundreds, rest = divmod(n, 100)
    if style == "colloquial" and 1 <= hundreds <= 19 and rest >= 10:
        return f"{to_words(hundreds)} {to_words(rest)}"
    return to_words(n, conjunction=style == "words_and")


def degrees(value: float) -> str:
    """A temperature as spoken: whole degrees."""
    return f"{round(value):d}"


def listed(parts: Sequence[str], word: str = "and") -> str:
    """Parts said as a list: 'a', 'a and b', 'a, b and c' (empty parts left out)."""
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {word} " + parts[-1]
