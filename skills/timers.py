"""Kitchen timers on the agent's clock, announced on the speaker they were set from."""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass, field
from typing import Any

from agent.clock import Clock
from agent.turn import Outcome, Resolution, Result
from skills.base import Skill, SkillContext
from skills.common import join

log = logging.getLogger(__name__)


def duration(seconds: float) -> str:
    """'1 hour and 30 minutes', '45 seconds', '2 minutes and 5 seconds'."""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n} {unit}{'' if n == 1 else 's'}"
             for n, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second")) if n]
    return join(parts) or "0 seconds"


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
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def ends_at(self) -> float:
        return self.started_at + self.duration_s

    @property
    def label(self) -> str:
        """'your pasta timer' / 'your timer'."""
        return f"your {self.name} timer" if self.name else "your timer"

    @property
    def spoken(self) -> str:
        """'pasta timer', '10 minute timer'."""
        return f"{self.name} timer" if self.name else f"{duration(self.duration_s)} timer"


class TimerSkill(Skill):
    """HassStartTimer / HassCancelTimer / HassTimerStatus; timers live as long as this skill instance."""

    intents = frozenset({"HassStartTimer", "HassCancelTimer", "HassTimerStatus"})

    def __init__(self) -> None:
        self.timers: dict[int, Timer] = {}
        self._numbers = itertools.count(1)

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        name = request.intent.name
        if name == "HassStartTimer":
            return self._start(request, ctx)
        if name == "HassCancelTimer":
            return self._cancel(request, ctx)
        return self._status(request, ctx)

    def _start(self, request: Resolution, ctx: SkillContext) -> Result:
        seconds = request.values.get("duration_s")
        if not seconds or seconds <= 0:
            return Result("How long should the timer be?", Outcome.UNRESOLVED)
        name = _name(request.values.get("timer_name"))
        satellite = ctx.satellite or ctx.home.default_satellite()
        timer = Timer(next(self._numbers), float(seconds), ctx.clock.now(), name,
                      satellite.id if satellite else None)
        timer.task = asyncio.create_task(self._run(timer, ctx.clock, ctx.services),
                                         name=f"timer-{timer.number}")
        self.timers[timer.number] = timer
        if name:
            speech = f"Started a {name} timer for {duration(seconds)}."
        else:
            speech = f"Started a timer for {duration(seconds)}."
        return Result(speech, Outcome.SUCCESS, data=_data(timer, ctx.clock))

    async def _run(self, timer: Timer, clock: Clock, services: Any) -> None:
        try:
            await clock.sleep(timer.duration_s)
        except asyncio.CancelledError:
            return
        self.timers.pop(timer.number, None)
        text = f"{timer.label[0].upper()}{timer.label[1:]} is done."
        announce = services.get("announce") if services else None
        if announce is None:
            log.info("timer done (nobody to announce it to): %s", text)
            return
        try:
            await announce(timer.satellite, text)
        except Exception:  # an announcement failing must not take the agent down
            log.exception("could not announce %r", text)

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
        everything = wanted in ("all", "all the", "all of the", "every", "all my")
        found = sorted(self.timers.values(), key=lambda t: t.ends_at) if everything else self._matching(request)
        if not found:
            return Result(f"You don't have a {wanted} timer." if wanted else "I couldn't find that timer.",
                          Outcome.UNRESOLVED)
        if len(found) > 1 and not everything:
            spoken = join([t.spoken for t in found])
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
        parts = [f"{remaining(t.ends_at - now)} left on {t.label}" if i == 0 else
                 f"{remaining(t.ends_at - now)} on {t.label}" for i, t in enumerate(found)]
        speech = join(parts) + "."
        return Result(speech[0].upper() + speech[1:], Outcome.SUCCESS,
                      data={"timers": [_data(t, ctx.clock) for t in found]})


def _name(value: Any) -> str | None:
    if value is None:
        return None
    name = str(value).strip().lower()
    for word in ("the ", "my ", "a "):
        if name.startswith(word):
            name = name[len(word):]
    for suffix in (" timers", " timer"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name or None


def _data(timer: Timer, clock: Clock) -> dict[str, Any]:
    return {"name": timer.name, "duration_s": timer.duration_s,
            "remaining_s": max(0.0, timer.ends_at - clock.now()), "satellite": timer.satellite}
