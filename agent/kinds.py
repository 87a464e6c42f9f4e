"""Device kinds and the words that name them: one vocabulary for the grammar, NLU training and the resolver.

A home device has a type (`agent.home.DeviceType`); templates name devices by kind (`{name_light}`,
`{name_media}`), and some kinds stand for several (`onoff`, `appliance`). A type word names any device of its
types ("the lights", "the telly", "the fan").
"""

from __future__ import annotations

KIND_OF_TYPE: dict[str, str] = {
    "light": "light", "switch": "switch", "cover": "cover", "lock": "lock", "media_player": "media",
    "speaker": "media", "climate": "climate", "oven": "oven", "vacuum": "vacuum", "coffee_maker": "coffee",
    "kettle": "coffee",
}
"""Home device type -> the kind templates name it by."""
COMPOSITE_KINDS: dict[str, tuple[str, ...]] = {
    "onoff": ("light", "light", "switch", "media", "climate", "coffee", "cover", "oven"),
    "appliance": ("switch", "coffee", "media"),
}
"""Kinds that stand for several device kinds (a kind twice is drawn twice as often in training)."""

TYPE_WORDS: dict[str, tuple[str, ...]] = {
    "light": ("light",), "lights": ("light",), "lamp": ("light",), "lamps": ("light",),
    "lighting": ("light",), "bulb": ("light",), "bulbs": ("light",),
    "switch": ("switch",), "plug": ("switch",), "fan": ("fan", "switch"),
    "tv": ("media_player",), "television": ("media_player",), "telly": ("media_player",),
    "speaker": ("speaker",), "speakers": ("speaker", "media_player"),
    "music": ("speaker", "media_player"), "player": ("speaker", "media_player"),
    "oven": ("oven",), "stove": ("oven",),
    "coffee": ("coffee_maker",), "coffee maker": ("coffee_maker",), "coffee machine": ("coffee_maker",),
    "kettle": ("kettle",), "tea": ("kettle",), "brewing": ("coffee_maker", "kettle"),
    "thermostat": ("climate",), "heating": ("climate",), "heat": ("climate",), "heater": ("climate",),
    "ac": ("climate",), "air conditioning": ("climate",),
    "garage door": ("cover",), "blinds": ("cover",), "shades": ("cover",),
    "curtains": ("cover",), "cover": ("cover",),
    "door": ("lock",), "lock": ("lock",), "locks": ("lock",), "doors": ("lock",), "front door": ("lock",),
    "back door": ("lock",),
    "vacuum": ("vacuum",), "robot": ("vacuum",), "robot vacuum": ("vacuum",), "hoover": ("vacuum",),
    "sensor": ("sensor",), "thermometer": ("sensor",),
}
"""Words that name any device of these types. "door" is a lock's: opening a garage door needs its name."""
COUNTED_AS: dict[str, str] = {
    "light": "lights", "lock": "locks", "person": "people", "cover": "covers", "fan": "fans", "switch": "switches",
    "media_player": "players", "binary_sensor": "sensors", "valve": "valves",
}
"""What devices of a type are called, counted ("two lights are on")."""
PLURAL_WORDS = frozenset({"lights", "lamps", "bulbs", "speakers", "locks", "doors", "blinds", "shades", "curtains"})
"""Type words that mean every such device in the room."""


GRAMMAR_WORDS = frozenset({
    "light", "lights", "lamp", "lamps", "switch", "plug", "fan", "garage door", "blinds", "curtains", "door", "lock",
    "front door", "back door", "tv", "television", "speaker", "speakers", "thermostat", "heat", "heating", "ac",
    "air conditioning", "oven", "stove", "vacuum", "robot", "robot vacuum", "hoover", "coffee maker",
    "coffee machine", "kettle",
})
"""The type words a recognizer's grammar lists: fewer than the resolver knows, because each word more is one more
a grammar recognizer can hear a request as ("turn off the tv" heard as "turn off lighting")."""


def kind_words(only: frozenset[str] = GRAMMAR_WORDS) -> dict[str, tuple[str, ...]]:
    """Each kind's type words among `only`, in the table's order."""
    words: dict[str, list[str]] = {}
    for word, types in TYPE_WORDS.items():
        if word not in only:
            continue
        for kind in dict.fromkeys(KIND_OF_TYPE[t] for t in types if t in KIND_OF_TYPE):
            words.setdefault(kind, []).append(word)
    return {kind: tuple(found) for kind, found in words.items()}
