"""Is it on? Is the door open? Describing device states."""

from __future__ import annotations

from typing import Any

from agent.home import Device
from agent.turn import Outcome, Resolution, Result
from skills.base import Skill, SkillContext, names
from skills.common import degrees, group, join, offline, sentence

SYNONYMS = {
    "shut": "closed", "close": "closed", "opened": "open", "running": "on", "active": "on",
    "lock": "locked", "unlock": "unlocked", "pause": "paused", "play": "playing", "dock": "docked",
    "charging": "docked", "home": "docked", "heat": "heating", "cool": "cooling",
}


def describe(device: Device, state: dict[str, Any]) -> str:
    """The state in a few words: 'on', 'open', 'playing Jazz', 'returning to its dock'."""
    kind, current = device.type, state.get("state")
    if kind == "sensor":
        parts = []
        if isinstance(state.get("temperature"), (int, float)):
            parts.append(f"{degrees(state['temperature'])} degrees")
        if isinstance(state.get("humidity"), (int, float)):
            parts.append(f"{degrees(state['humidity'])} percent humidity")
        return "reading " + join(parts) if parts else "unknown"
    if kind == "climate":
        mode = state.get("mode")
        if mode in ("heat", "cool"):
            return f"{'heating' if mode == 'heat' else 'cooling'} to {degrees(state.get('target_temperature', 0))}"
        return "off"
    if device.brews and state.get("brewing"):
        return "brewing"
    if kind == "light" and current == "on" and state.get("brightness") not in (None, 100):
        return f"on at {state['brightness']} percent"
    if kind == "oven" and current == "on" and state.get("target_temperature") is not None:
        return f"on at {degrees(state['target_temperature'])} degrees"
    if device.is_media and current in ("playing", "paused") and state.get("media_title"):
        return f"{current} {state['media_title']}"
    if kind == "vacuum" and current == "returning":
        return "returning to its dock"
    return str(current) if current is not None else "unknown"


def words(device: Device, state: dict[str, Any]) -> set[str]:
    """Every state word that is true of the device ('on', 'playing', 'open', ...)."""
    kind, current = device.type, state.get("state")
    true = {str(current)} if current is not None else set()
    if kind == "climate":
        mode = state.get("mode")
        true = {"off"} if mode == "off" else {"on", {"heat": "heating", "cool": "cooling"}.get(str(mode), "on")}
    elif device.is_media:
        true |= {"on"} if current in ("idle", "playing", "paused") else {"off"}
    elif kind == "vacuum":
        true |= {"on"} if current == "cleaning" else {"off"} if current == "docked" else set()
    elif kind == "cover":
        true |= {"on"} if current == "open" else {"off"} if current == "closed" else {"moving"}
    elif kind == "lock":
        true |= {"on", "closed"} if current == "locked" else {"off", "open"} if current == "unlocked" else set()
    elif device.brews and state.get("brewing"):
        true.add("brewing")
    return true


class StateSkill(Skill):
    """HassGetState: yes/no when a state was asked about, else a description."""

    intents = frozenset({"HassGetState"})

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        if not request.devices:
            return Result("Which device do you mean?", Outcome.UNRESOLVED)
        ids = list(request.devices)
        unknown = [d for d in ids if not ctx.state(d)]
        gone = await offline(ctx, [d for d in ids if d not in unknown])
        known = [d for d in ids if d not in unknown and d not in gone]
        described = {d: describe(ctx.device(d), ctx.state(d)) for d in known}
        data: dict[str, Any] = {"states": {d: ctx.state(d) for d in known}, "described": described}
        clauses: list[str] = []
        prefix = ""
        asked = request.values.get("state")
        if asked and known:
            asked = str(asked).strip().lower()
            asked = SYNONYMS.get(asked, asked)
            answers = {d: asked in words(ctx.device(d), ctx.state(d)) for d in known}
            data["answer"] = all(answers.values())
            data["answers"] = answers
            if all(answers.values()) or not any(answers.values()):
                prefix = "Yes, " if all(answers.values()) else "No, "
        for text, members in group(known, described.__getitem__).items():
            clauses.append(f"{names(ctx.home, members)} {'is' if len(members) == 1 else 'are'} {text}")
        if gone:
            clauses.append(f"{names(ctx.home, gone)} {'is' if len(gone) == 1 else 'are'} offline right now")
        if unknown:
            clauses.append(f"I haven't heard from {names(ctx.home, unknown)} yet")
        speech = join(clauses) + "."
        speech = prefix + speech if prefix else sentence(speech)
        outcome = Outcome.SUCCESS if known else Outcome.ERROR
        return Result(speech, outcome, data=data)
