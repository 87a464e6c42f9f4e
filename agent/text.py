"""The project's one way of reading text: a request as the recognizer's words (`words_of`, `spoken`) and as the
NLU's input (`normalise`)."""

from __future__ import annotations

import re

from agent.nlu.numbers import to_words

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


def spoken(text: str) -> str:
    """Text as the words one says, space-separated (see `words_of`)."""
    return " ".join(words_of(text))


def normalise(text: str) -> str:
    """Text as the NLU reads it: lowercase, no punctuation, single spaces (digits kept)."""
    text = text.lower().replace("%", " percent ").replace("°", " degrees ").replace("-", " ")
    return " ".join(_PUNCTUATION.sub(" ", text).split())
