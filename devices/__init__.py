"""Simulated devices: one module per device type, registered in DEVICE_TYPES."""

from __future__ import annotations

from devices.activation import Activation
from devices.alarm import AlarmClock
from devices.base import CommandError, SimDevice
from devices.climate import Climate
from devices.coffee import CoffeeMaker, Kettle
from devices.cover import Cover
from devices.fan import Fan
from devices.light import Light
from devices.lock import Lock
from devices.media import MediaPlayer
from devices.oven import Oven
from devices.presence import BinarySensor, Person
from devices.sensor import Sensor
from devices.switch import Switch
from devices.todo import TodoList
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
    "binary_sensor": BinarySensor,
    "fan": Fan,
    "valve": Cover,
    "scene": Activation,
    "script": Activation,
    "todo": TodoList,
    "person": Person,
}
"""Device type (as in the home file) -> the class that simulates it."""

__all__ = ["DEVICE_TYPES", "CommandError", "SimDevice"]
