"""Clocks: the system clock, and a virtual one the simulator advances by hand."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Protocol


def part_of_day(at: float) -> int:
    """0 night, 1 morning, 2 afternoon, 3 evening: six-hour spans of local time."""
    return time.localtime(at).tm_hour // 6


class Clock(Protocol):
    """Where every component of the agent and the simulated devices reads time."""

    def now(self) -> float:
        """Seconds since the epoch."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of this clock's time."""
        ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class VirtualClock:
    """Time that only moves when `advance` is called; sleepers wake in deadline order."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._order), future))
        await future

    async def advance(self, seconds: float) -> None:
        """Move time forward, waking each sleeper at its own deadline and letting it run."""
        target = self._now + seconds
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, future = heapq.heappop(self._sleepers)
            self._now = max(self._now, deadline)
            if not future.done():
                future.set_result(None)
            await _settle()
        self._now = target
        await _settle()

    async def jump(self, seconds: float) -> None:
        """Move time forward at once: every sleeper due by then wakes once, at the new time. For long idle
        stretches (a simulated day between requests), where `advance` would step through every tick."""
        self._now += max(0.0, seconds)
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)
        await _settle()


async def _settle(rounds: int = 5) -> None:
    """Give woken tasks a few loop iterations to do their work (publish, react)."""
    for _ in range(rounds):
        await asyncio.sleep(0)
