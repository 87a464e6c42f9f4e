"""Which actions are security-sensitive, and when they need the user's confirmation."""

from __future__ import annotations

from agent.home import Home
from agent.turn import Resolution

CONFIDENT_MATCH = 1.0
"""Only an exact name, alias or type word counts as a sure match."""
CONFIDENT_NLU = 0.8
OPENING_WORDS = frozenset({"open", "unlock", "raise", "up"})
"""Words that say outright that something should open: without one ("turn off the front door", "door off"),
opening or unlocking is the parser's reading of the request, and a guess."""


def opens_something(resolution: Resolution, home: Home) -> list[str]:
    """Devices this request would open or unlock (garage, gates, locks)."""
    name = resolution.intent.name
    opened = []
    for device_id in resolution.devices:
        device = home.device(device_id)
        if device is None or not device.security_sensitive:
            continue
        if (name == "HassTurnOn" and device.type == "cover") or name == "HassUnlockDoor" or (
            name == "HassTurnOff" and device.type == "lock"
        ):
            opened.append(device_id)
    return opened


def is_guess(resolution: Resolution, rewritten: bool) -> bool:
    """A learned rewrite, a recognizer's second choice, a weak NLU parse, a fuzzy device match, or a request
    that never says open or unlock is a guess."""
    weakest_match = min(resolution.scores.values(), default=1.0)
    return (rewritten or resolution.intent.hypothesis > 0 or resolution.intent.confidence < CONFIDENT_NLU
            or weakest_match < CONFIDENT_MATCH or OPENING_WORDS.isdisjoint(resolution.intent.text.lower().split()))
