"""Pronunciations for words missing from pocketsphinx's dictionary: espeak-ng IPA mapped to ARPAbet."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from collections.abc import Iterable

IPA_TO_ARPABET: dict[str, str] = {
    # vowels and diphthongs (longest symbols are matched first)
    "aɪɚ": "AY ER", "aɪə": "AY ER", "aʊɚ": "AW ER", "ɑːɹ": "AA R", "ɔːɹ": "AO R", "oːɹ": "AO R", "ɛɹ": "EH R",
    "ɪɹ": "IH R", "ʊɹ": "UH R", "ɜːɹ": "ER", "eɪ": "EY", "aɪ": "AY", "ɔɪ": "OY", "aʊ": "AW", "oʊ": "OW",
    "əʊ": "OW", "iə": "IY AH", "eə": "EH R", "ʊə": "UH R", "ɑː": "AA", "ɔː": "AO", "iː": "IY", "uː": "UW",
    "ɜː": "ER", "ɚ": "ER", "ɝ": "ER", "ɜ": "ER", "ɑ": "AA", "ɒ": "AA", "ɔ": "AO", "æ": "AE", "a": "AE",
    "ʌ": "AH", "ə": "AH", "ɐ": "AH", "ɛ": "EH", "e": "EH", "ɪ": "IH", "ᵻ": "IH", "i": "IY", "ʊ": "UH",
    "u": "UW", "o": "OW", "əl": "AH L", "l̩": "AH L", "n̩": "AH N", "m̩": "AH M",
    # consonants
    "tʃ": "CH", "dʒ": "JH", "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "ɡ": "G", "g": "G", "f": "F",
    "v": "V", "θ": "TH", "ð": "DH", "s": "S", "z": "Z", "ʃ": "SH", "ʒ": "ZH", "h": "HH", "m": "M", "n": "N",
    "ŋ": "NG", "l": "L", "ɫ": "L", "ɹ": "R", "r": "R", "ɾ": "T", "ʔ": "T", "w": "W", "ʍ": "W", "j": "Y",
    "x": "K", "ç": "HH", "ɬ": "L",
}
"""espeak-ng IPA symbols (as it prints them for English) to CMU ARPAbet phones."""
_MARKS = "ˈˌ"
_LONGEST = max(len(symbol) for symbol in IPA_TO_ARPABET)
_cache: dict[tuple[str, str], str | None] = {}


def pronounce(word: str, voice: str = "en-us") -> str | None:
    """ARPAbet phones for `word` ("roomba" -> "R UW M B AH"), or None without espeak-ng or a mapping."""
    return pronounce_all([word], voice)[word]


def pronounce_all(words: Iterable[str], voice: str = "en-us") -> dict[str, str | None]:
    """ARPAbet phones for each word, asking espeak-ng once for all words not yet cached."""
    words = list(dict.fromkeys(words))
    todo = [w for w in words if (w, voice) not in _cache]
    if todo:
        for word, ipa in zip(todo, _espeak_ipa(todo, voice), strict=True):
            _cache[word, voice] = ipa_to_arpabet(ipa) if ipa else None
    return {w: _cache[w, voice] for w in words}


def dictionary_lines(words: Iterable[str], voice: str = "en-us") -> list[str]:
    """Lines for an extra pocketsphinx dictionary ("roomba R UW M B AH"), skipping unpronounceable words."""
    return [f"{word} {phones}" for word, phones in pronounce_all(words, voice).items() if phones]


def ipa_to_arpabet(ipa: str) -> str | None:
    """Map espeak-ng's IPA (phonemes separated by `_`, words by spaces) to ARPAbet; None if a symbol is unknown."""
    phones: list[str] = []
    for chunk in unicodedata.normalize("NFC", ipa).replace(" ", "_").split("_"):
        chunk = "".join(c for c in chunk if c not in _MARKS)
        while chunk:
            for size in range(min(_LONGEST, len(chunk)), 0, -1):
                if chunk[:size] in IPA_TO_ARPABET:
                    phones.append(IPA_TO_ARPABET[chunk[:size]])
                    chunk = chunk[size:]
                    break
            else:
                if chunk[0] not in "ːˑ‿-":
                    return None
                chunk = chunk[1:]
    return " ".join(phones) or None


def _espeak_ipa(words: list[str], voice: str) -> list[str | None]:
    """espeak-ng's IPA for each word, one line in and one line out per word."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        return [None] * len(words)
    text = "".join(f"{word.replace('_', ' ')}.\n" for word in words)
    run = subprocess.run([exe, "-q", "--ipa", "--sep=_", "-v", voice], input=text, capture_output=True,
                         text=True, check=False)
    lines = [line.strip() for line in run.stdout.splitlines() if line.strip()]
    if run.returncode or len(lines) != len(words):
        return [_espeak_ipa_one(exe, word, voice) for word in words]
    return list(lines)


def _espeak_ipa_one(exe: str, word: str, voice: str) -> str | None:
    run = subprocess.run([exe, "-q", "--ipa", "--sep=_", "-v", voice, word], capture_output=True, text=True,
                         check=False)
    return run.stdout.strip() or None
