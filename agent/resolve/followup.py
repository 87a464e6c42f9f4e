"""Follow-ups: requests that only make sense with what was just talked about (the dialogue's topic).

- a pronoun and no device or room: "turn it off", "make it brighter", "is it on" act on the topic's devices;
  "turn it up" / "down" means what up means for them: louder for a speaker, brighter for a light, hotter for
  the oven or the thermostat;
- "and the kitchen too" / "and the desk lamp too": the topic's request again, there;
- "no, the other one": the topic's request on the device of the same kind it did not pick (the one nearest
  the speaker), undoing it on the one it did pick.

The topic decays (see `agent.dialogue.state.Topic`): after a few turns or a couple of minutes, "it" means nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agent.home import Device
from agent.turn import Intent, Resolution

ALSO, OTHER = "FollowUpAlso", "FollowUpOther"
REFERENCE = re.compile(r"\b(it|them|that|those|this|that one|this one)\b(?!')", re.IGNORECASE)
RELATIVE = "HassSetVolumeRelative"
STEP = {"light": 25, "oven": 25, "climate": 2}
"""How far "up" goes: brightness in percent; degrees for the oven and the thermostat."""
SETTER = {"light": "HassLightSet", "oven": "HassOvenSetTemperature", "climate": "HassClimateSetTemperature"}
KEPT_SLOTS = ("brightness", "color", "temperature", "state", "search_query", "media_class")
"""Slots of the topic's request that "and the kitchen too" carries over."""
UNDOABLE = frozenset({"HassTurnOn", "HassTurnOff"})
"""Requests "no, the other one" takes back on the device wrongly picked (switched back as it was)."""
BRIGHTER = re.compile(r"\b(brighter|brighten|lighter|up|warmer|hotter)\b", re.IGNORECASE)
DIMMER = re.compile(r"\b(dimmer|darker|dim|down|less bright|cooler|colder)\b", re.IGNORECASE)


def points_back(intent: Intent) -> bool:
    """Whether a request names no device or room but points at one ("it", "them", "that one")."""
    return not intent.slots.get("name") and not intent.slots.get("area") and bool(REFERENCE.search(intent.text))


def refers_back(intent: Intent) -> bool:
    """Whether a request is about what was just talked about, if anything was: it points back, or it is a
    bare "brighter" / "a bit dimmer" (without a topic, that one is about the room's light, or asks which)."""
    return points_back(intent) or (intent.name == SETTER["light"] and not intent.slots)


def again_there(intent: Intent, topic_intent: str, topic_slots: dict[str, Any]) -> Intent:
    """"and the kitchen too": the topic's request with this one's room or device."""
    kept = {k: v for k, v in topic_slots.items() if k in KEPT_SLOTS}
    return intent.recast(topic_intent, {**kept, **intent.slots})


def step(intent: Intent, devices: list[Device], states: Mapping[str, Mapping[str, Any]]) -> Resolution | None:
    """"turn it up" / "make it brighter" on the topic's lights, oven or thermostat: their setting one step
    further from where it is now; None for devices without such a setting (speakers keep their volume)."""
    kinds = {d.type for d in devices}
    if len(kinds) != 1 or (kind := kinds.pop()) not in SETTER:
        return None
    first = devices[0]
    state = states.get(first.id, {})
    said = _direction(intent)
    down = said == "down" or (said is None and bool(DIMMER.search(intent.text)))
    if said is None and not down and not BRIGHTER.search(intent.text):
        return None
    delta = -STEP[kind] if down else STEP[kind]
    ids = tuple(d.id for d in devices)
    if kind == "light":
        now = int(state.get("brightness", 100)) if state.get("state") == "on" else 0
        return Resolution(intent.recast(SETTER[kind], {}), ids,
                          {"brightness": max(0, min(100, now + delta))})
    target = state.get("target_temperature")
    if not isinstance(target, (int, float)):
        return None
    return Resolution(intent.recast(SETTER[kind], {}), ids, {"temperature": target + delta})


def _direction(intent: Intent) -> str | None:
    """"up" or "down" for "turn it up / down" (a relative volume change said of something else), else None."""
    if intent.name != RELATIVE:
        return None
    step = str(intent.slots.get("volume_step", ""))
    return "down" if step == "down" or step.startswith("-") else "up"


def other_one(chosen: list[Device], everyone: list[Device], area: str | None) -> list[Device]:
    """Devices of the kind the topic acted on that it did not pick, nearest the speaker first."""
    kinds = {d.type for d in chosen}
    picked = {d.id for d in chosen}
    others = [d for d in everyone if d.type in kinds and d.id not in picked]
    same_room = [d for d in others if d.area in {c.area for c in chosen} | {area}]
    return same_room or others
