"""Setting a light's brightness and colour."""

from __future__ import annotations

from typing import Any

from agent.turn import Outcome, Resolution, Result
from skills.base import Skill, SkillContext, names
from skills.common import Command, carry_out, sentence

KELVIN = (1000, 10000)
"""Colour temperatures a light takes."""


class LightSetSkill(Skill):
    """HassLightSet: brightness (percent), colour and/or colour temperature (kelvin) of one or several lights."""

    intents = frozenset({"HassLightSet"})

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        if not request.devices:
            return Result("Which light do you mean?", Outcome.UNRESOLVED)
        brightness = request.values.get("brightness")
        color = request.values.get("color")
        color = str(color).strip().lower() if color else None
        kelvin = request.values.get("temperature")  # Home Assistant's colour temperature
        if brightness is None and not color and kelvin is None:
            return Result("What should I set the light to?", Outcome.CLARIFY, asks_for="brightness")
        payload: dict[str, Any] = {}
        expect: dict[str, Any] = {}
        if kelvin is not None:
            if not KELVIN[0] <= kelvin <= KELVIN[1]:
                return Result(f"Colour temperature goes from {KELVIN[0]} to {KELVIN[1]} kelvin.", Outcome.UNRESOLVED)
            payload["color_temp"] = expect["color_temp"] = int(kelvin)
            color = f"{int(kelvin)} kelvin"
        elif color:
            payload["color"] = expect["color"] = color
        if brightness is not None:
            brightness = int(brightness)
            payload["brightness"] = brightness
            expect.update({"state": "off"} if brightness == 0 else {"brightness": brightness, "state": "on"})
        commands = [Command(d, payload, expect) for d in request.devices]

        def done(ids: list[str]) -> str:
            who = names(ctx.home, ids)
            if brightness == 0:
                return sentence(f"turned off {who}" + (f" and made {'it' if len(ids) == 1 else 'them'} {color}"
                                                       if color else "") + ".")
            to = [color] if color else []
            if brightness is not None:
                to.append(f"{brightness} percent")
            return f"Set {who} to {' at '.join(to)}."

        return await carry_out(ctx, commands, done, "change", data={"brightness": brightness, "color": color})
