"""Is it on? Is the door open? Describing device states."""

from __future__ import annotations

from typing import Any

from agent.home import Device
from agent.kinds import COUNTED_AS
from agent.states import state_words
from agent.text import degrees, listed
from agent.turn import Outcome, Resolution, Result
from skills.base import Skill, SkillContext, names
from skills.common import group, offline, sentence

OPENINGS = frozenset({"window", "door", "garage_door", "opening"})
"""Binary sensor classes whose on means open."""
COUNTS = ("none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
SYNONYMS = {
    "shut": "closed", "close": "closed", "opened": "open", "running": "on", "active": "on",
    "lock": "locked", "unlock": "unlocked", "pause": "paused", "play": "playing", "dock": "docked",
    "charging": "docked", "heat": "heating", "cool": "cooling", "not_home": "away",
}


def describe(device: Device, state: dict[str, Any]) -> str:
    """The state in a few words: 'on', 'open', 'playing Jazz', 'returning to its dock'."""
    kind, current = device.type, state.get("state")
    if kind == "sensor":
        parts = []
        measures = (device.device_class,) if device.device_class in ("temperature", "humidity") else (
            "temperature", "humidity")
        if "temperature" in measures and isinstance(state.get("temperature"), (int, float)):
            parts.append(f"{degrees(state['temperature'])} degrees")
        if "humidity" in measures and isinstance(state.get("humidity"), (int, float)):
            parts.append(f"{degrees(state['humidity'])} percent")
        return "reading " + listed(parts) if parts else "unknown"
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
    if kind == "binary_sensor" and device.device_class in OPENINGS:
        return {"on": "open", "off": "closed"}.get(str(current), "unknown")
    if kind == "person":
        return "home" if current == "home" else "away" if current == "not_home" else f"at {current}"
    level = state.get("percentage" if kind == "fan" else "position")
    if kind in ("fan", "valve", "cover") and current in ("on", "open") and level not in (None, 0, 100):
        return f"{current} at {degrees(level)} percent"
    return str(current) if current is not None else "unknown"


class StateSkill(Skill):
    """HassGetState: yes/no when a state was asked about, else a description."""

    intents = frozenset({"HassGetState"})

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        if "query" in request.values:
            return _answer_query(request, ctx)
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
            answers = {d: asked in state_words(ctx.device(d), ctx.state(d)) for d in known}
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
        speech = listed(clauses) + "."
        speech = prefix + speech if prefix else sentence(speech)
        outcome = Outcome.SUCCESS if known else Outcome.ERROR
        return Result(speech, outcome, data=data)


def _answer_query(request: Resolution, ctx: SkillContext) -> Result:
    """A question about every device of a kind: are any / are all / which / how many are in a state."""
    query = request.values["query"]
    asked = str(request.values.get("state") or "on").strip().lower()
    asked = SYNONYMS.get(asked, asked)
    known = [d for d in request.devices if ctx.state(d)]
    yes = [d for d in known if asked in state_words(ctx.device(d), ctx.state(d))]
    no = [d for d in known if d not in yes]
    slots = request.intent.slots
    noun = f"{slots['device_class']}s" if slots.get("device_class") else COUNTED_AS.get(str(slots.get("domain", "light")),
                                                                                  "devices")
    data = {"query": query, "yes": yes, "no": no}
    verb = "is" if len(yes) == 1 else "are"
    if not known:
        return Result(f"I don't see any {noun}.", Outcome.SUCCESS, data=data)
    if query == "any":
        speech = f"Yes, {names(ctx.home, yes)} {verb} {asked}." if yes else f"No, no {noun} are {asked}."
    elif query == "all":
        speech = (f"Yes, all {noun} are {asked}." if not no else
                  f"No, {names(ctx.home, no)} {'is' if len(no) == 1 else 'are'} not {asked}.")
    elif query == "which":
        speech = sentence(f"{names(ctx.home, yes)} {verb} {asked}.") if yes else f"No {noun} are {asked}."
    elif yes:
        count = COUNTS[len(yes)] if len(yes) < len(COUNTS) else str(len(yes))
        one = {"people": "person", "switches": "switch"}.get(noun, noun.removesuffix("s"))
        speech = f"{sentence(count)} {one if len(yes) == 1 else noun} {verb} {asked}: {names(ctx.home, yes)}."
    else:
        speech = f"No {noun} are {asked}."
    return Result(speech, Outcome.SUCCESS, data=data)
