"""Turning things on and off: every device type, several at once."""

from __future__ import annotations

from typing import Any

from agent.home import Device
from agent.text import listed
from agent.turn import Outcome, Resolution, Result
from skills.base import Skill, SkillContext, names
from skills.common import Command, carry_out, group, sentence

# type -> (on, off): (payload, expect, verb for "I asked X to ...", verb for "Turned on X")
Plan = tuple[dict[str, Any], dict[str, Any], str, str]


def plan(device: Device, on: bool, state: dict[str, Any]) -> Plan | None:
    """What to send to switch `device` on or off, or None if it cannot be switched."""
    kind = device.type
    if kind in ("scene", "script"):
        verb = "activate" if kind == "scene" else "run"
        return ({"state": "on"}, {"state": "on"}, verb, "activated" if kind == "scene" else "started") if on else None
    if kind in ("light", "switch", "oven", "fan") or device.brews:
        word = "on" if on else "off"
        return {"state": word}, {"state": word}, f"turn {word}", f"turned {word}"
    if device.is_media:
        if on:
            return {"state": "on"}, {"state": ("idle", "playing", "paused")}, "turn on", "turned on"
        return {"state": "off"}, {"state": "off"}, "turn off", "turned off"
    if kind in ("cover", "valve"):
        if on:
            return {"state": "open"}, {"state": ("opening", "open")}, "open", "opening"
        return {"state": "closed"}, {"state": ("closing", "closed")}, "close", "closing"
    if kind == "lock":
        word = "locked" if on else "unlocked"
        return {"state": word}, {"state": word}, "lock" if on else "unlock", word
    if kind == "vacuum":
        if on:
            return {"state": "cleaning"}, {"state": "cleaning"}, "start cleaning", "started"
        return {"state": "docked"}, {"state": ("returning", "docked")}, "go back to its dock", "sending home"
    if kind == "climate":
        if on:
            current, target = state.get("current_temperature"), state.get("target_temperature")
            mode = "cool" if current is not None and target is not None and current > target else "heat"
            return {"mode": mode}, {"mode": mode}, "turn on", "turned on"
        return {"mode": "off"}, {"mode": "off"}, "turn off", "turned off"
    return None


def is_on(device: Device, state: dict[str, Any]) -> bool:
    """Whether `device` is on (or open, playing, cleaning, heating): what toggling turns off."""
    if device.type == "climate":
        return state.get("mode") not in (None, "off")
    return state.get("state") in ("on", "open", "opening", "idle", "playing", "paused", "cleaning")


class PowerSkill(Skill):
    """HassTurnOn / HassTurnOff / HassToggle for lights, switches, fans, appliances, media, covers, valves,
    locks and vacuums (never toggling a lock or a garage door); HassTurnOn activates scenes and runs scripts."""

    intents = frozenset({"HassTurnOn", "HassTurnOff", "HassToggle"})

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        if not request.devices:
            return Result("Which device do you mean?", Outcome.UNRESOLVED)
        if request.intent.name == "HassToggle":
            guarded = [d for d in request.devices if ctx.device(d).security_sensitive]
            if guarded:
                return Result(f"I won't flip {names(ctx.home, guarded)} either way: say whether to open or close, "
                              "lock or unlock.", Outcome.UNRESOLVED)
            on = not any(is_on(ctx.device(d), ctx.state(d)) for d in request.devices)
        else:
            on = request.intent.name == "HassTurnOn"
        plans: dict[str, Plan] = {}
        refused: list[str] = []
        for device_id in request.devices:
            found = plan(ctx.device(device_id), on, ctx.state(device_id))
            if found is None:
                refused.append(device_id)
            else:
                plans[device_id] = found
        if not plans:
            word = "on" if on else "off"
            return Result(sentence(f"{names(ctx.home, refused)} can't be turned {word}."), Outcome.UNRESOLVED)
        undo = [d for d in request.values.get("instead_of", ()) if d not in plans]
        for device_id in undo:  # "no, the other one": the wrong one goes back as it was
            if (back := plan(ctx.device(device_id), not on, ctx.state(device_id))) is not None:
                plans[device_id] = back
        if len(plans) == 1:
            only = next(iter(plans))
            already = self._already(ctx.device(only), on, ctx.state(only))
            if already:
                return Result(already, Outcome.SUCCESS, data={"devices": [only], "on": on})
        commands = [Command(d, p[0], p[1]) for d, p in plans.items()]

        def done(ids: list[str]) -> str:
            phrases = group(ids, lambda d: plans[d][3])
            return sentence(listed([self._done_phrase(ctx, verb, ids) for verb, ids in phrases.items()])) + "."

        return await carry_out(ctx, commands, done, {d: p[2] for d, p in plans.items()},
                               data={"devices": list(plans), "on": on})

    @staticmethod
    def _done_phrase(ctx: SkillContext, verb: str, ids: list[str]) -> str:
        if verb == "sending home":
            return f"sending {names(ctx.home, ids)} back to {'its dock' if len(ids) == 1 else 'their docks'}"
        return f"{verb} {names(ctx.home, ids)}"

    @staticmethod
    def _already(device: Device, on: bool, state: dict[str, Any]) -> str | None:
        """For doors and locks, saying "Opening" when it is already open would be wrong."""
        current = state.get("state")
        if device.type in ("cover", "valve") and current == ("open" if on else "closed"):
            return f"The {device.name} is already {current}."
        return None
