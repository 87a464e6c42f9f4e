"""Helpers the skills share: offline checks, sending commands concurrently, and speech pieces."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agent.bus import RECONNECT_WAIT_S, BusUnavailable
from agent.dialects import refusal
from agent.states import StatePredicate
from agent.text import listed
from agent.turn import Action, Outcome, Result
from skills.base import SkillContext, names

log = logging.getLogger(__name__)

UNREACHABLE = "I can't reach the devices right now."


@dataclass(frozen=True)
class Command:
    """One command for one device, and how to know it worked."""

    device: str
    """Id of the device to command."""
    payload: dict[str, Any]
    """Partial desired state published on the device's set topic."""
    expect: dict[str, Any] | None = None
    """State that confirms the command (tuple values: any of); default the payload."""
    until: StatePredicate | None = None
    """A custom confirmation test, used instead of `expect` (e.g. "the title changed")."""


def sentence(text: str) -> str:
    """Capitalize the first letter, leaving the rest alone ("the tv" -> "The tv")."""
    return text[:1].upper() + text[1:]


def be(device_ids: Sequence[str]) -> str:
    return "is" if len(device_ids) == 1 else "are"


def group(device_ids: Iterable[str], key: Callable[[str], str]) -> dict[str, list[str]]:
    """Device ids grouped by `key`, keeping first-seen order."""
    groups: dict[str, list[str]] = {}
    for device_id in device_ids:
        groups.setdefault(key(device_id), []).append(device_id)
    return groups


async def offline(ctx: SkillContext, device_ids: Iterable[str]) -> list[str]:
    """The devices that said they are offline (unknown availability counts as reachable). While the broker is
    away or just back, devices it reported offline as it went down get `RECONNECT_WAIT_S` to return first."""
    gone = [d for d in device_ids if ctx.states.available(d) is False]
    if gone and ctx.commander.recovering:
        await ctx.states.wait_available(gone, RECONNECT_WAIT_S)
        gone = [d for d in gone if ctx.states.available(d) is False]
    return gone


def offline_speech(ctx: SkillContext, device_ids: Sequence[str]) -> str:
    return sentence(f"{names(ctx.home, device_ids)} {be(device_ids)} offline right now.")


def offline_result(ctx: SkillContext, device_ids: Sequence[str]) -> Result:
    return Result(offline_speech(ctx, device_ids), Outcome.ERROR, data={"offline": list(device_ids)})


def unreachable() -> Result:
    return Result(UNREACHABLE, Outcome.ERROR)


async def send_one(ctx: SkillContext, command: Command) -> Action:
    """Publish one command and wait (bounded) for the device to confirm it."""
    if command.until is None:
        return await ctx.command(command.device, command.payload, command.expect)
    await ctx.commander.command(ctx.device(command.device), command.payload)
    confirmed = await ctx.states.wait_for(command.device, command.until, ctx.confirm_timeout_s)
    return Action(command.device, command.payload, confirmed)


async def send(ctx: SkillContext, commands: Sequence[Command]) -> tuple[Action, ...]:
    """Send every command concurrently; raises BusUnavailable if any could not be published."""
    results = await asyncio.gather(*(send_one(ctx, c) for c in commands), return_exceptions=True)
    actions: list[Action] = []
    for command, result in zip(commands, results):
        if isinstance(result, BusUnavailable):
            raise result
        if isinstance(result, BaseException):
            log.warning("command %s to %s failed: %s", command.payload, command.device, result)
            actions.append(Action(command.device, command.payload, False))
        else:
            actions.append(result)
    return tuple(actions)


async def carry_out(
    ctx: SkillContext,
    commands: Sequence[Command],
    done: Callable[[list[str]], str],
    asked: str | Mapping[str, str],
    data: dict[str, Any] | None = None,
) -> Result:
    """Send `commands` and answer: `done(confirmed ids)` on success, else what went wrong.

    `asked` is the verb phrase for "I asked the oven to <turn on>", per device id when it varies.
    Offline devices are skipped and named; a broker that cannot be reached is an error.
    """
    gone = await offline(ctx, [c.device for c in commands])
    live = [c for c in commands if c.device not in gone]
    if not live:
        return offline_result(ctx, gone)
    # nothing is sent when any device could not be told its part
    if why := next(filter(None, (refusal(ctx.device(c.device), c.payload) for c in live)), None):
        return Result(f"I can't do that: {why}.", Outcome.UNSUPPORTED)
    try:
        actions = await send(ctx, live)
    except BusUnavailable:
        return unreachable()
    confirmed = [a.device for a in actions if a.confirmed]
    unconfirmed = [a.device for a in actions if not a.confirmed]
    parts: list[str] = []
    if confirmed:
        parts.append(done(confirmed))
    if unconfirmed:
        if confirmed:
            parts[-1] = parts[-1].rstrip(".") + f", but {names(ctx.home, unconfirmed)} didn't confirm."
        else:
            verbs = group(unconfirmed, lambda d: asked if isinstance(asked, str) else asked[d])
            asks = listed([f"{names(ctx.home, ids)} to {verb}" for verb, ids in verbs.items()])
            pronoun = "it" if len(unconfirmed) == 1 else "they"
            parts.append(f"I asked {asks}, but {pronoun} didn't confirm.")
    if gone:
        parts.append(offline_speech(ctx, gone))
    outcome = Outcome.ERROR if gone else Outcome.UNCONFIRMED if unconfirmed else Outcome.SUCCESS
    result_data = dict(data or {})
    if gone:
        result_data["offline"] = gone
    return Result(" ".join(parts), outcome, actions, result_data)
