"""Home Assistant's own English sentences (the `home-assistant-intents` package), matched by hassil with this
home's names: anything Assist understands, we understand.

The home gives hassil its slot lists: `name` (every device name and alias, with the Home Assistant domain and
device class its sentences require), `area` and `floor` (with aliases). A match becomes our `Intent` with Home
Assistant's intent and slot names, the words said for names and places (resolution finds the devices), numbers
as numbers, and `query` for the kind of answer a state question wants (`one_yesno`, `any`, `all`, `which`,
`how_many`, ...: Home Assistant's response key). Three Home Assistant readings have project names here: locking
(`HassTurnOn` of a lock) is `HassLockDoor`, unlocking `HassUnlockDoor`, and setting an oven's temperature
`HassOvenSetTemperature`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from hassil import Intents, RecognizeResult, merge_dict, recognize_best
from hassil.intents import SlotList, TextSlotList

from agent.home import Device, Home
from agent.turn import Intent, SlotValue

SENTENCES = Path(__file__).parent / "sentences"
"""Our own sentences, in Home Assistant's format."""
DOMAINS: dict[str, str] = {
    "light": "light", "switch": "switch", "cover": "cover", "oven": "climate", "climate": "climate",
    "media_player": "media_player", "speaker": "media_player", "coffee_maker": "switch", "kettle": "switch",
    "vacuum": "vacuum", "lock": "lock", "sensor": "sensor", "binary_sensor": "binary_sensor",
    "alarm_clock": "switch", "fan": "fan", "valve": "valve", "scene": "scene", "script": "script",
    "todo": "todo", "person": "person",
}
"""The Home Assistant domain of each of our device types (its sentences require one)."""
QUERIES = frozenset({"one_yesno", "any", "all", "which", "how_many", "where"})
"""Home Assistant's response keys for state questions: what kind of answer is wanted."""
OUR_NAMES = {("HassTurnOn", "lock"): "HassLockDoor", ("HassTurnOff", "lock"): "HassUnlockDoor",
             ("HassClimateSetTemperature", "oven"): "HassOvenSetTemperature"}
"""(Home Assistant's intent, the kind of device) -> our intent, where ours is more specific."""
HOME_ASSISTANT_NAMES = {ours: theirs for (theirs, _), ours in OUR_NAMES.items()}
"""Our names of those readings -> Home Assistant's."""
CONTEXT_AREA = "here"
"""The area hassil is told the speaker is in when none is known: sentences that need one ("turn on the lights")
then match, and resolution puts the satellite's room in."""


@lru_cache(maxsize=1)
def home_assistant_intents() -> Intents:
    """Home Assistant's English intents, sentences, lists and expansion rules, with our own sentences
    (`sentences/*.yaml`, the same format) merged in."""
    import home_assistant_intents as package

    data = package.get_intents("en")
    if data is None:
        raise RuntimeError("home-assistant-intents has no English sentences")
    for path in sorted(SENTENCES.glob("*.yaml")):
        merge_dict(data, yaml.safe_load(path.read_text(encoding="utf-8")))
    return Intents.from_dict(data)


@lru_cache(maxsize=1)
def home_assistant_intent_names() -> frozenset[str]:
    """The intents Home Assistant itself handles: those its English sentences are for, and HassToggle (which
    it handles, though no sentence says it)."""
    import home_assistant_intents as package

    return frozenset((package.get_intents("en") or {}).get("intents", {})) | {"HassToggle"}


class HomeSentences:
    """Home Assistant's sentences with one home's slot lists."""

    def __init__(self, home: Home) -> None:
        self.home = home
        self.intents = home_assistant_intents()
        self.devices = home.device_by_id
        self.slot_lists: dict[str, SlotList] = {
            "name": TextSlotList.from_tuples(
                [(phrase, device.id, _context(device)) for device in home.devices
                 for phrase in (device.name, *device.aliases)], allow_template=False),
            "area": TextSlotList.from_tuples(
                [(phrase, area.id) for area in home.areas for phrase in (area.name, *area.aliases)],
                allow_template=False),
            "floor": TextSlotList.from_tuples(
                [(phrase, floor.id) for floor in home.all_floors for phrase in (floor.name, *floor.aliases)],
                allow_template=False),
        }

    def recognize(self, text: str, area_name: str = CONTEXT_AREA) -> RecognizeResult | None:
        """hassil's best reading of `text` with this home's lists, said in the area called `area_name`."""
        try:
            return recognize_best(text, self.intents, slot_lists=self.slot_lists,
                                  intent_context={"area": area_name}, language="en")
        except (ValueError, KeyError, IndexError):  # hassil on text it cannot tokenise
            return None

    def match(self, text: str, area: str | None = None) -> Intent | None:
        """`text` as a Home Assistant sentence says it, heard in `area` (an area id) when given."""
        context = {"area": self.home.area_name(area) or area} if area else {"area": CONTEXT_AREA}
        result = self.recognize(text, context["area"])
        if result is None:
            return None
        slots: dict[str, SlotValue] = {}
        device: Device | None = None
        for key, entity in result.entities.items():
            if key in ("area", "floor", "name") and not entity.text:
                if key == "area" and area:
                    slots["area"] = str(context["area"])  # "turn on the lights" heard in the kitchen
                continue  # filled from the placeholder: resolution knows where the speaker is
            if key == "name":
                device = self.devices.get(str(entity.value))
            slots[key] = _value(key, entity)
        if result.response in QUERIES:
            slots["query"] = result.response
        return Intent(_our_name(result.intent.name, slots, device), slots, 1.0, text)


def _context(device: Device) -> dict[str, Any]:
    context: dict[str, Any] = {"domain": DOMAINS[device.type]}
    if device.device_class:
        context["device_class"] = device.device_class
    return context


def _value(key: str, entity: Any) -> SlotValue:
    """Names and places as said; numbers as numbers; list values (states, colours, steps) as Home Assistant
    gives them."""
    if key in ("name", "area", "floor"):
        return str(entity.text).strip()
    value = entity.value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (int, float)):
        return value
    return str(value if value is not None else entity.text).strip()


def _our_name(intent: str, slots: dict[str, SlotValue], device: Device | None) -> str:
    kind = device.type if device is not None else slots.get("domain")
    return OUR_NAMES.get((intent, str(kind)), intent)


def sampled(sentences: HomeSentences, per_intent: int) -> list[tuple[str, str]]:
    """(Home Assistant intent, text) of up to `per_intent` sentences of each intent, with the home's names
    (hassil's sampler; sentences with free-text wildcards left out). The sampler fills a name into any sentence
    ("start the oven mower"): only sentences hassil reads as their intent with this home's devices are kept."""
    from hassil.sample import sample_intents

    kept = []
    for intent, text in sample_intents(sentences.intents, sentences.slot_lists, max_sentences_per_intent=per_intent,
                                       language="en"):
        found = sentences.recognize(text)
        if found is not None and found.intent.name == intent:
            kept.append((intent, text))
    return kept
