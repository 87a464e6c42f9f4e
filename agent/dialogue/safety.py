"""Which actions are security-sensitive (opening, unlocking, heating), and when they need the user's yes."""

from __future__ import annotations

from agent.home import Home
from agent.turn import Resolution
from skills.base import names

CONFIDENT_MATCH = 1.0
"""Only an exact name, alias or type word counts as a sure match."""
CONFIDENT_NLU = 0.8
SURE_SPEECH = 0.6
"""Recognizer confidence (calibrated: the chance the words are exactly right) under which speech is unsure."""
UNRATED_SPEECH = 0.5
"""Confidence given to words another recognizer heard without saying how sure it was (a Home Assistant
speech-to-text, over Wyoming): unsure, so opening, unlocking and heating ask first."""
OPENING_WORDS = frozenset({"open", "unlock", "raise", "up"})
"""Words that say outright that something should open: without one ("turn off the front door", "door off"),
opening or unlocking is the parser's reading of the request, and a guess."""
HEATING_INTENTS = frozenset({"HassTurnOn", "HassOvenSetTemperature"})
"""What heats an oven."""


def opens_something(resolution: Resolution, home: Home) -> list[str]:
    """Devices this request would open or unlock (garage, gates, locks)."""
    name = resolution.intent.name
    opened = []
    for device_id in resolution.devices:
        device = home.device(device_id)
        if device is None or not device.security_sensitive:
            continue
        if (name == "HassTurnOn" and device.type == "cover") or name == "HassUnlockDoor" or (
            name == "HassTurnOff" and device.type == "lock") or (
            name == "HassSetPosition" and resolution.values.get("position", 0) > 0
        ):
            opened.append(device_id)
    return opened


def heats_something(resolution: Resolution, home: Home) -> list[str]:
    """Ovens this request would switch on or heat."""
    if resolution.intent.name not in HEATING_INTENTS:
        return []
    return [d for d in resolution.devices if (device := home.device(d)) is not None and device.type == "oven"]


def unsure(resolution: Resolution) -> bool:
    """A learned rewrite, unsure speech, a recognizer's second choice, a weak parse or a fuzzy device match."""
    intent = resolution.intent
    weakest_match = min(resolution.scores.values(), default=1.0)
    return (intent.rewritten or intent.speech_confidence < SURE_SPEECH or intent.hypothesis > 0
            or intent.confidence < CONFIDENT_NLU or weakest_match < CONFIDENT_MATCH)


def is_guess(resolution: Resolution) -> bool:
    """Unsure, or a request that never says open or unlock: opening or unlocking on it is a guess."""
    return unsure(resolution) or OPENING_WORDS.isdisjoint(resolution.intent.text.lower().split())


def clear_yes(yes: Resolution) -> bool:
    """Whether a yes to a security-sensitive question was said clearly: "on it" read as a yes at 0.4, or a yes the
    recognizer was unsure of, is asked again."""
    return yes.intent.confidence >= CONFIDENT_NLU and yes.intent.speech_confidence >= SURE_SPEECH


def question(resolution: Resolution, home: Home) -> tuple[str, list[str]] | None:
    """What to ask before acting ("Do you want me to open the garage door?") and the devices concerned, or None
    when the request may be carried out as it is."""
    opened = opens_something(resolution, home)
    if opened and is_guess(resolution):
        verb = "unlock" if resolution.intent.name not in ("HassTurnOn", "HassSetPosition") else "open"
        return f"Do you want me to {verb} {names(home, opened)}?", opened
    heated = heats_something(resolution, home)
    if heated and unsure(resolution):
        degrees = resolution.values.get("temperature")
        to = f" to {degrees:g} degrees" if isinstance(degrees, (int, float)) else ""
        return f"Do you want me to heat {names(home, heated)}{to}?", heated
    return None
