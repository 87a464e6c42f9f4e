"""Finding the devices and areas a phrase means: rapidfuzz over names, aliases and type words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from agent.home import Area, Device, Home
from agent.kinds import PLURAL_WORDS, TYPE_WORDS

NAME_THRESHOLD = 85.0
"""Minimum rapidfuzz ratio for a phrase to name a device or area (absorbs small ASR slips)."""

ROOM_LIGHTING = {"light", "lighting"}
"""Words for a room's lighting as a whole: "the light in the bedroom" is every light there, as in Home Assistant."""
ALL_WORDS = {"all", "every", "everything", "any"}
FILLER = re.compile(r"\b(the|my|our|a|an|please|of|in|on)\b")


@dataclass(frozen=True)
class Match:
    """Devices a phrase names. Empty when nothing fits; several when plural or ambiguous."""

    devices: tuple[Device, ...]
    scores: tuple[float, ...]
    by_name: bool
    """Matched a device's own name or alias (rather than a type word)."""
    plural: bool
    """The phrase asked for several ("lights", "all the lamps")."""


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text.lower())).strip()


def find_area(home: Home, phrase: str) -> tuple[Area | None, float]:
    """The area a phrase names, with its score."""
    phrase = FILLER.sub(" ", normalize(phrase)).strip()
    best: tuple[Area | None, float] = (None, 0.0)
    for area in home.areas:
        for name in (area.name, *area.aliases):
            score = fuzz.ratio(phrase, normalize(name))
            if score > best[1]:
                best = (area, score)
    return best if best[1] >= NAME_THRESHOLD else (None, best[1])


def split_area(home: Home, phrase: str) -> tuple[Area | None, str]:
    """'bedroom lights' -> (bedroom, 'lights'); leading area words only when something remains."""
    words = phrase.split()
    for cut in range(len(words) - 1, 0, -1):
        area, _ = find_area(home, " ".join(words[:cut]))
        if area is not None:
            return area, " ".join(words[cut:])
    return None, phrase


def find_devices(
    home: Home,
    phrase: str,
    area: Area | None,
    default_area: str | None,
    types: frozenset[str] | None = None,
    wants_all: bool = False,
) -> Match:
    """Resolve a device phrase within an optional explicit area, falling back to the speaker's area.

    `wants_all`: the request said "all"/"every" outside the phrase ("turn off all the lights").
    """
    text = normalize(phrase)
    wants_all = wants_all or any(w in ALL_WORDS for w in text.split())
    text = " ".join(w for w in FILLER.sub(" ", text).split() if w not in ALL_WORDS)
    pool = [d for d in home.devices if types is None or d.type in types]
    if area is None:
        area, rest = split_area(home, text)
        if area is not None and _best_name_score(pool, text)[1] < NAME_THRESHOLD:
            text = rest
        else:  # the words are a device's whole name ("kitchen lamp"), wherever it is
            area = None
    if area is not None:
        pool_in_area = [d for d in pool if d.area == area.id]
    else:
        pool_in_area = pool
    by_name = _match_names(pool_in_area, text)
    if by_name.devices:
        return by_name
    return _match_type(pool, text, area, default_area, wants_all)


def _best_name_score(pool: list[Device], text: str) -> tuple[Device | None, float]:
    best: tuple[Device | None, float] = (None, 0.0)
    for device in pool:
        for name in (device.name, *device.aliases):
            score = fuzz.ratio(text, normalize(name))
            if score > best[1]:
                best = (device, score)
    return best


def _match_names(pool: list[Device], text: str) -> Match:
    scored = []
    for device in pool:
        score = max(fuzz.ratio(text, normalize(n)) for n in (device.name, *device.aliases))
        if score >= NAME_THRESHOLD:
            scored.append((score, device))
    if not scored:
        return Match((), (), True, False)
    top = max(s for s, _ in scored)
    best = [(s, d) for s, d in scored if s >= top - 2.0]
    return Match(tuple(d for _, d in best), tuple(s / 100 for s, _ in best), True, False)


def _named_otherwise(device: Device, qualifier: list[str], noun: str) -> bool:
    """Whether a name of `device` says `noun` with another word before it than `qualifier`'s."""
    for name in (device.name, *device.aliases):
        words = normalize(name).split()
        if any(word == noun and i > 0 and words[i - 1] not in qualifier for i, word in enumerate(words)):
            return True
    return False


def _match_type(
    pool: list[Device], text: str, area: Area | None, default_area: str | None, wants_all: bool
) -> Match:
    key = text if text in TYPE_WORDS else ""
    if not key:  # a modifier we don't know ("the big light") names a device we don't know
        return Match((), (), False, False)
    kinds = TYPE_WORDS[key]
    candidates = [d for d in pool if d.type in kinds]
    if key in ("lamp", "lamps"):
        lamps = [d for d in candidates if any("lamp" in n for n in (d.name, *d.aliases))]
        candidates = lamps or candidates
    if key in ("tv", "television", "telly"):
        candidates = [d for d in candidates if d.has_screen]
    *qualifier, noun = key.split()
    if qualifier:  # the "back door" is not the device called "front door"
        candidates = [d for d in candidates if not _named_otherwise(d, qualifier, noun)]
    plural = wants_all or key in PLURAL_WORDS
    if area is not None:
        candidates = [d for d in candidates if d.area == area.id]
        plural = plural or key in ROOM_LIGHTING
    elif not wants_all and default_area and any(d.area == default_area for d in candidates):
        candidates = [d for d in candidates if d.area == default_area]
        plural = plural or key in ROOM_LIGHTING
    return Match(tuple(candidates), tuple(1.0 for _ in candidates), False, plural)
