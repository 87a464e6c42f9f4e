"""Simulated devices: one module per device type, registered in DEVICE_TYPES."""

from __future__ import annotations

from devices.alarm import AlarmClock
from devices.base import CommandError, SimDevice
from devices.climate import Climate
from devices.coffee import CoffeeMaker, Kettle
from devices.cover import Cover
from devices.light import Light
from devices.lock import Lock
from devices.media import MediaPlayer
from devices.oven import Oven
from devices.sensor import Sensor
from devices.switch import Switch
from devices.vacuum import Vacuum

DEVICE_TYPES: dict[str, type[SimDevice]] = {
    "light": Light,
    "switch": Switch,
    "cover": Cover,
    "oven": Oven,
    "climate": Climate,
    "media_player": MediaPlayer,
    "speaker": MediaPlayer,
    "coffee_maker": CoffeeMaker,
    "kettle": Kettle,
    "vacuum": Vacuum,
    "lock": Lock,
    "sensor": Sensor,
    "alarm_clock": AlarmClock,
}
"""Device type (as in the home file) -> the class that simulates it."""

__all__ = ["DEVICE_TYPES", "CommandError", "SimDevice"]
