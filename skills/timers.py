"""Kitchen timers on the agent's clock, announced on the speaker they were set from."""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass, field
from typing import Any

from agent.clock import Clock
from agent.text import listed
from agent.turn import DURATION, Outcome, Resolution, Result
from skills.base import Services, Skill, SkillContext
from skills.common import sentence

log = logging.getLogger(__name__)


def duration(seconds: float) -> str:
    """'1 hour and 30 minutes', '45 seconds', '2 minutes and 5 seconds'."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n} {unit}{'' if n == 1 else 's'}"
             for n, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second")) if n]
    return listed(parts) or "0 seconds"


def remaining(seconds: float) -> str:
    """Time left as spoken: exact under a minute, else rounded ('About 9 minutes')."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        whole = max(1, round(seconds))
        return f"{whole} second{'' if whole == 1 else 's'}"
    if seconds < 3600:
        return "about " + duration(round(seconds / 60) * 60)
    return "about " + duration(round(seconds / 300) * 300)


@dataclass
class Timer:
    """A running timer."""

    number: int
    duration_s: float
    started_at: float
    name: str | None = None
    """What the user called it ("pasta"), if anything."""
    satellite: str | None = None
    """The device it was set from, where it is announced."""
    command: str | None = None
    """A request to carry out when it ends ("turn off the lights" in 10 minutes) instead of ringing."""
    user: str | None = None
    speech_confidence: float = 1.0
    """How sure the recognizer was of the request (its command is carried out as sure as that)."""
    paused_left_s: float | None = None
    """Seconds that were left when it was paused; None while it runs."""
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def ends_at(self) -> float:
        return self.started_at + self.duration_s

    def left_s(self, now: float) -> float:
        return self.paused_left_s if self.paused_left_s is not None else max(0.0, self.ends_at - now)

    @property
    def label(self) -> str:
        """'your pasta timer' / 'your timer'."""
        return f"your {self.name} timer" if self.name else "your timer"

    @property
    def spoken(self) -> str:
        """'pasta timer', '10 minute timer'."""
        return f"{self.name} timer" if self.name else f"{duration(self.duration_s)} timer"


class TimerSkill(Skill):
    """Timers: start (or a command for later), cancel (one or all), status, add or take off time, pause and
    resume; a timer is named by its name or its length. Timers live as long as this skill instance."""

    intents = frozenset({"HassStartTimer", "HassCancelTimer", "HassCancelAllTimers", "HassTimerStatus",
                         "HassIncreaseTimer", "HassDecreaseTimer", "HassPauseTimer", "HassUnpauseTimer"})

    def __init__(self) -> None:
        self.timers: dict[int, Timer] = {}
        self._numbers = itertools.count(1)

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        name = request.intent.name
        if name == "HassStartTimer":
            return self._start(request, ctx)
        if name in ("HassCancelTimer", "HassCancelAllTimers"):
            return self._cancel(request, ctx)
        if name == "HassTimerStatus":
            return self._status(request, ctx)
        return self._change(request, ctx)

    def _start(self, request: Resolution, ctx: SkillContext) -> Result:
        seconds = request.values.get("duration_s")
        if not seconds or seconds <= 0:
            return Result("How long should the timer be?", Outcome.CLARIFY, asks_for=DURATION)
        name = _name(request.values.get("timer_name"))
        satellite = ctx.satellite or ctx.home.default_satellite()
        command = request.values.get("command")
        timer = Timer(next(self._numbers), float(seconds), ctx.clock.now(), name,
                      satellite.id if satellite else None, command, ctx.user, request.intent.speech_confidence)
        self._schedule(timer, ctx)
        self.timers[timer.number] = timer
        if command:
            speech = f"In {duration(seconds)} I'll {command}."
        elif name:
            speech = f"Started a {name} timer for {duration(seconds)}."
        else:
            speech = f"Started a timer for {duration(seconds)}."
        return Result(speech, Outcome.SUCCESS, data=_data(timer, ctx.clock))

    def _schedule(self, timer: Timer, ctx: SkillContext) -> None:
        timer.task = asyncio.create_task(self._run(timer, ctx.clock, ctx.services), name=f"timer-{timer.number}")

    async def _run(self, timer: Timer, clock: Clock, services: Services) -> None:
        try:
            await clock.sleep(max(0.0, timer.ends_at - clock.now()))
        except asyncio.CancelledError:
            return
        self.timers.pop(timer.number, None)
        if timer.command:
            later = services.run_later
            if later is None:
                log.info("nobody to carry out %r", timer.command)
                return
            try:
                await later(timer.satellite, timer.user, timer.command, timer.speech_confidence)
            except Exception:  # a request for later failing must not take the agent down
                log.exception("could not carry out %r", timer.command)
            return
        text = f"{timer.label[0].upper()}{timer.label[1:]} is done."
        announce = services.announce
        if announce is None:
            log.info("timer done (nobody to announce it to): %s", text)
            return
        try:
            await announce(timer.satellite, text)
        except Exception:  # an announcement failing must not take the agent down
            log.exception("could not announce %r", text)

    def _change(self, request: Resolution, ctx: SkillContext) -> Result:
        """Add or take off time, pause or resume: one timer, asked back when several fit."""
        if not self.timers:
            return Result("You don't have any timers running.", Outcome.UNRESOLVED)
        found = self._matching(request)
        if len(found) != 1:
            if not found:
                return Result("I couldn't find that timer.", Outcome.UNRESOLVED)
            return Result(f"You have {len(found)} timers: {listed([t.spoken for t in found])}. Which one?",
                          Outcome.CLARIFY)
        timer, now, name = found[0], ctx.clock.now(), request.intent.name
        if name in ("HassPauseTimer", "HassUnpauseTimer"):
            if (name == "HassPauseTimer") == (timer.paused_left_s is not None):
                return Result(f"{sentence(timer.label)} is already {'paused' if timer.paused_left_s is not None else 'running'}.",
                              Outcome.SUCCESS, data=_data(timer, ctx.clock))
            if name == "HassPauseTimer":
                timer.paused_left_s = timer.left_s(now)
                if timer.task:
                    timer.task.cancel()
                return Result(f"Paused {timer.label}.", Outcome.SUCCESS, data=_data(timer, ctx.clock))
            timer.started_at, timer.duration_s, timer.paused_left_s = now, timer.paused_left_s, None
            self._schedule(timer, ctx)
            return Result(f"Resumed {timer.label}: {remaining(timer.duration_s)} left.", Outcome.SUCCESS,
                          data=_data(timer, ctx.clock))
        amount = float(request.values.get("amount_s") or 0)
        more = name == "HassIncreaseTimer"
        left = timer.left_s(now) + (amount if more else -amount)
        if left <= 0:
            return Result(f"{sentence(timer.label)} has only {remaining(timer.left_s(now))} left.", Outcome.UNRESOLVED)
        if timer.paused_left_s is not None:
            timer.paused_left_s = left
        else:
            timer.duration_s += amount if more else -amount
            if timer.task:
                timer.task.cancel()
            self._schedule(timer, ctx)
        verb = f"Added {duration(amount)} to" if more else f"Took {duration(amount)} off"
        return Result(f"{verb} {timer.label}: {remaining(left)} left.", Outcome.SUCCESS, data=_data(timer, ctx.clock))

    def _matching(self, request: Resolution) -> list[Timer]:
        timers = sorted(self.timers.values(), key=lambda t: t.ends_at)
        wanted = _name(request.values.get("timer_name"))
        if wanted:
            named = [t for t in timers if t.name == wanted]
            if named:
                return named
            seconds = request.values.get("duration_s")
            return [t for t in timers if seconds and t.duration_s == seconds]
        seconds = request.values.get("duration_s")
        if seconds:
            sized = [t for t in timers if t.duration_s == seconds]
            if sized:
                return sized
        return timers

    def _cancel(self, request: Resolution, ctx: SkillContext) -> Result:
        if not self.timers:
            return Result("You don't have any timers running.", Outcome.UNRESOLVED)
        wanted = _name(request.values.get("timer_name"))
        everything = request.intent.name == "HassCancelAllTimers" or wanted in ("all", "all the", "all of the",
                                                                                "every", "all my")
        found = sorted(self.timers.values(), key=lambda t: t.ends_at) if everything else self._matching(request)
        if not found:
            return Result(f"You don't have a {wanted} timer." if wanted else "I couldn't find that timer.",
                          Outcome.UNRESOLVED)
        if len(found) > 1 and not everything:
            spoken = listed([t.spoken for t in found])
            return Result(f"You have {len(found)} timers: {spoken}. Which one should I cancel?", Outcome.CLARIFY)
        for timer in found:
            self.timers.pop(timer.number, None)
            if timer.task:
                timer.task.cancel()
        if len(found) == 1:
            speech = f"Cancelled {found[0].label}."
        else:
            speech = f"Cancelled all {len(found)} timers."
        return Result(speech, Outcome.SUCCESS, data={"cancelled": [_data(t, ctx.clock) for t in found]})

    def _status(self, request: Resolution, ctx: SkillContext) -> Result:
        if not self.timers:
            return Result("You don't have any timers running.", Outcome.SUCCESS, data={"timers": []})
        found = self._matching(request)
        if not found:
            wanted = _name(request.values.get("timer_name"))
            return Result(f"You don't have a {wanted} timer." if wanted else "I couldn't find that timer.",
                          Outcome.UNRESOLVED)
        now = ctx.clock.now()
        parts = [f"{remaining(t.left_s(now))} {'left ' if i == 0 else ''}on {t.label}"
                 + (" (paused)" if t.paused_left_s is not None else "") for i, t in enumerate(found)]
        speech = listed(parts) + "."
        return Result(speech[0].upper() + speech[1:], Outcome.SUCCESS,
                      data={"timers": [_data(t, ctx.clock) for t in found]})


def _name(value: Any) -> str | None:
    if value is None:
        return None
    name = str(value).strip().lower()
    for word in ("the ", "my ", "a "):
        name = name.removeprefix(word)
    for suffix in (" timers", " timer"):
        name = name.removesuffix(suffix)
    return name or None


def _data(timer: Timer, clock: Clock) -> dict[str, Any]:
    return {"name": timer.name, "duration_s": timer.duration_s, "remaining_s": timer.left_s(clock.now()),
            "satellite": timer.satellite, "paused": timer.paused_left_s is not None, "command": timer.command}
