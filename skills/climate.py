"""Temperatures: setting the thermostat and the oven, and telling how warm things are."""

from __future__ import annotations

from typing import Any

from agent.home import Device
from agent.resolve.resolver import out_of_range
from agent.text import degrees
from agent.turn import Outcome, Resolution, Result
from skills.base import Skill, SkillContext
from skills.common import Command, carry_out, offline, offline_result
from skills.weather import NO_WEATHER, place


def _settable(request: Resolution, ctx: SkillContext) -> tuple[Device, float] | Result:
    """The device and target temperature asked for, or the answer explaining what is wrong."""
    if not request.devices:
        return Result("Which one do you mean?", Outcome.UNRESOLVED)
    target = request.values.get("temperature")
    if target is None:
        return Result("What temperature should I set?", Outcome.CLARIFY, asks_for="temperature")
    device = ctx.device(request.devices[0])
    too = out_of_range(device, float(target))
    return Result(too, Outcome.UNRESOLVED) if too else (device, float(target))


class ClimateSetSkill(Skill):
    """HassClimateSetTemperature: the thermostat's target (switching it on if it was off)."""

    intents = frozenset({"HassClimateSetTemperature"})

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        found = _settable(request, ctx)
        if isinstance(found, Result):
            return found
        device, target = found
        device_id = device.id
        state = ctx.state(device_id)
        payload: dict[str, Any] = {"target_temperature": target}
        if state.get("mode") == "off":
            current = state.get("current_temperature")
            payload["mode"] = "cool" if current is not None and current > target else "heat"
        return await carry_out(
            ctx, [Command(device_id, payload)],
            lambda ids: f"Set the {device.name} to {degrees(target)} degrees.",
            f"go to {degrees(target)} degrees", data={"target_temperature": target},
        )


class OvenSetSkill(Skill):
    """HassOvenSetTemperature: turns the oven on, heating to the target."""

    intents = frozenset({"HassOvenSetTemperature"})

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        found = _settable(request, ctx)
        if isinstance(found, Result):
            return found
        device, target = found
        return await carry_out(
            ctx, [Command(device.id, {"state": "on", "target_temperature": target})],
            lambda ids: f"Preheating the {device.name} to {degrees(target)} degrees.",
            f"heat to {degrees(target)} degrees", data={"target_temperature": target},
        )


class TemperatureSkill(Skill):
    """HassClimateGetTemperature: a device (oven, thermostat, sensor), the room, or outside."""

    intents = frozenset({"HassClimateGetTemperature"})

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        source = request.values.get("source", "device" if request.devices else "outside")
        if source == "outside" or not request.devices:
            return self._outside(ctx)
        device = ctx.device(request.devices[0])
        if await offline(ctx, [device.id]):
            return offline_result(ctx, [device.id])
        state = ctx.state(device.id)
        reading = state.get("temperature" if device.type == "sensor" else "current_temperature")
        if not isinstance(reading, (int, float)):
            return Result(f"I haven't heard from the {device.name} yet.", Outcome.ERROR)
        data: dict[str, Any] = {"temperature": reading, "source": device.type, "device": device.id}
        if source == "room":
            area = ctx.home.area_name(device.area) or "room"
            data.update(source="room", area=device.area)
            return Result(f"It's {degrees(reading)} degrees in the {area}.", Outcome.SUCCESS, data=data)
        if device.type == "oven":
            target = state.get("target_temperature")
            if state.get("state") != "on":
                speech = f"The {device.name} is off; it's at {degrees(reading)} degrees."
            elif isinstance(target, (int, float)) and round(reading) < round(target):
                speech = f"The {device.name} is at {degrees(reading)} degrees, heating to {degrees(target)}."
                data["target_temperature"] = target
            else:
                speech = f"The {device.name} is at {degrees(reading)} degrees."
                data["target_temperature"] = target
            data["on"] = state.get("state") == "on"
            return Result(speech, Outcome.SUCCESS, data=data)
        return Result(f"The {device.name} reads {degrees(reading)} degrees.", Outcome.SUCCESS, data=data)

    @staticmethod
    def _outside(ctx: SkillContext) -> Result:
        location = place(ctx.home.location)
        if ctx.services.weather is None:
            return Result(NO_WEATHER, Outcome.UNSUPPORTED)
        try:
            report = ctx.services.weather.current(location, ctx.clock.now())
        except Exception:  # noqa: BLE001 - a real weather service can fail in many ways
            return Result("I can't get the weather right now.", Outcome.ERROR)
        return Result(f"It's {degrees(report.temperature)} degrees outside in {location}.", Outcome.SUCCESS,
                      data={"temperature": report.temperature, "source": "outside", "location": location})
