"""The intents the NLU recognises and the slots each may carry."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IntentSpec:
    """One intent and the slot names it may carry."""

    name: str
    """Home Assistant intent name, or a project name in the same style."""
    slots: tuple[str, ...] = ()
    """Slot names this intent may carry, all optional."""


OUT_OF_DOMAIN = "OutOfDomain"
"""Requests nobody here can serve, and input that is not a request at all."""
PRONOUNS = frozenset({"it", "them", "that", "this"})
"""Words a command refers back with ("someone left the garage light on, turn it off")."""

_DEVICE = ("name", "area")
_PLACE = ("name", "area", "floor")
_DURATION = ("hours", "minutes", "seconds")
_WHICH_TIMER = ("start_hours", "start_minutes", "start_seconds", "name", "area")
"""A running timer named by its name or its length ("the 10 minute timer")."""

INTENTS: tuple[IntentSpec, ...] = (
    IntentSpec("HassTurnOn", _PLACE),
    IntentSpec("HassTurnOff", _PLACE),
    IntentSpec("HassToggle", _DEVICE),
    IntentSpec("HassLockDoor", _DEVICE),
    IntentSpec("HassUnlockDoor", _DEVICE),
    IntentSpec("HassLightSet", (*_PLACE, "brightness", "color", "temperature")),
    IntentSpec("HassClimateSetTemperature", ("temperature", *_PLACE)),
    IntentSpec("HassOvenSetTemperature", ("name", "temperature")),
    IntentSpec("HassClimateGetTemperature", _PLACE),
    IntentSpec("HassGetState", (*_PLACE, "state")),
    IntentSpec("HassSetPosition", (*_PLACE, "position")),
    IntentSpec("HassFanSetSpeed", (*_PLACE, "percentage")),
    IntentSpec("HassStartTimer", (*_DURATION, "name", "conversation_command")),
    IntentSpec("HassCancelTimer", _WHICH_TIMER),
    IntentSpec("HassCancelAllTimers"),
    IntentSpec("HassTimerStatus", _WHICH_TIMER),
    IntentSpec("HassIncreaseTimer", (*_DURATION, *_WHICH_TIMER)),
    IntentSpec("HassDecreaseTimer", (*_DURATION, *_WHICH_TIMER)),
    IntentSpec("HassPauseTimer", _WHICH_TIMER),
    IntentSpec("HassUnpauseTimer", _WHICH_TIMER),
    IntentSpec("HassMediaSearchAndPlay", ("search_query", "media_class", *_DEVICE)),
    IntentSpec("HassMediaPause", _DEVICE),
    IntentSpec("HassMediaUnpause", _DEVICE),
    IntentSpec("HassMediaNext", _DEVICE),
    IntentSpec("HassMediaPrevious", _DEVICE),
    IntentSpec("HassMediaPlayerMute", _DEVICE),
    IntentSpec("HassMediaPlayerUnmute", _DEVICE),
    IntentSpec("HassSetVolume", ("volume_level", *_DEVICE)),
    IntentSpec("HassVolumeUp", _DEVICE),
    IntentSpec("HassVolumeDown", _DEVICE),
    IntentSpec("HassShoppingListAddItem", ("item",)),
    IntentSpec("HassShoppingListCompleteItem", ("item",)),
    IntentSpec("HassListAddItem", ("item", "name")),
    IntentSpec("HassListCompleteItem", ("item", "name")),
    IntentSpec("HassListRemoveItem", ("item", "name")),
    IntentSpec("HassBroadcast", ("message",)),
    IntentSpec("HassGetCurrentTime"),
    IntentSpec("HassGetCurrentDate"),
    IntentSpec("HassGetWeather", ("location", "day")),
    IntentSpec("HassNevermind"),
    IntentSpec("HassVacuumStart", _PLACE),
    IntentSpec("HassVacuumReturnToBase", _DEVICE),
    IntentSpec("FollowUpAlso", _DEVICE),
    IntentSpec("FollowUpOther"),
    IntentSpec("HassConfirm"),
    IntentSpec("HassDeny"),
    IntentSpec(OUT_OF_DOMAIN),
)

RELATIVE_VOLUME = {"HassVolumeUp": "up", "HassVolumeDown": "down"}
"""The templates and the trained model tell louder from quieter as two intents; the NLU gives them as Home
Assistant's HassSetVolumeRelative with `volume_step` up or down."""

QUESTIONS = frozenset({"HassGetState", "HassClimateGetTemperature", "HassTimerStatus", "HassGetCurrentTime",
                       "HassGetCurrentDate", "HassGetWeather"})
"""Intents that ask and change nothing."""
DIALOGUE = frozenset({"HassNevermind", "HassConfirm", "HassDeny", "FollowUpOther", OUT_OF_DOMAIN})
"""Intents about the conversation itself."""
CHANGE_NOTHING = QUESTIONS | DIALOGUE
"""Every other intent changes something: devices, timers, media, lists."""

INTENT_NAMES: tuple[str, ...] = tuple(spec.name for spec in INTENTS)
"""All intent names, in a stable order."""

SLOTS_BY_INTENT: dict[str, frozenset[str]] = {spec.name: frozenset(spec.slots) for spec in INTENTS}
"""Slot names allowed per intent."""

SLOT_NAMES: tuple[str, ...] = tuple(sorted({slot for spec in INTENTS for slot in spec.slots}))
"""Every slot name; also the NER labels."""

DEVICE_KIND: dict[str, str] = {
    "HassLightSet": "light", "HassClimateSetTemperature": "climate", "HassOvenSetTemperature": "oven",
    "HassLockDoor": "lock", "HassUnlockDoor": "lock", "HassVacuumStart": "vacuum", "HassVacuumReturnToBase": "vacuum",
}
"""The one kind of device an intent acts on, for intents that act on one kind only."""

NUMERIC_SLOTS = frozenset({"brightness", "temperature", "volume_level", "hours", "minutes", "seconds", "position",
                           "percentage", "start_hours", "start_minutes", "start_seconds"})
"""Slots whose values are numbers."""
