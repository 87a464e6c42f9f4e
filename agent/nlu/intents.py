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

_DEVICE = ("name", "area")
_DURATION = ("hours", "minutes", "seconds")

INTENTS: tuple[IntentSpec, ...] = (
    IntentSpec("HassTurnOn", _DEVICE),
    IntentSpec("HassTurnOff", _DEVICE),
    IntentSpec("HassLockDoor", _DEVICE),
    IntentSpec("HassUnlockDoor", _DEVICE),
    IntentSpec("HassLightSet", (*_DEVICE, "brightness", "color")),
    IntentSpec("HassClimateSetTemperature", ("temperature", *_DEVICE)),
    IntentSpec("HassOvenSetTemperature", ("name", "temperature")),
    IntentSpec("HassClimateGetTemperature", _DEVICE),
    IntentSpec("HassGetState", (*_DEVICE, "state")),
    IntentSpec("HassStartTimer", (*_DURATION, "name")),
    IntentSpec("HassCancelTimer", ("name",)),
    IntentSpec("HassCancelAllTimers"),
    IntentSpec("HassTimerStatus", ("name",)),
    IntentSpec("HassMediaSearchAndPlay", ("search_query", "media_class", *_DEVICE)),
    IntentSpec("HassMediaPause", _DEVICE),
    IntentSpec("HassMediaUnpause", _DEVICE),
    IntentSpec("HassMediaNext", _DEVICE),
    IntentSpec("HassSetVolume", ("volume_level", *_DEVICE)),
    IntentSpec("HassVolumeUp", _DEVICE),
    IntentSpec("HassVolumeDown", _DEVICE),
    IntentSpec("HassGetCurrentTime"),
    IntentSpec("HassGetCurrentDate"),
    IntentSpec("HassGetWeather", ("location", "day")),
    IntentSpec("HassNevermind"),
    IntentSpec("HassVacuumStart", _DEVICE),
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

NUMERIC_SLOTS = frozenset({"brightness", "temperature", "volume_level", "hours", "minutes", "seconds"})
"""Slots whose values are numbers."""
