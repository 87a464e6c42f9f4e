"""The latest known state of every device, fed from MQTT: the agent's device context."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agent.home import Device

StatePredicate = Callable[[dict[str, Any]], bool]
ChangeListener = Callable[[str, dict[str, Any] | None, bool | None], None]


@dataclass
class DeviceState:
    """What is known about one device."""

    state: dict[str, Any] = field(default_factory=dict)
    available: bool | None = None
    """None until the device has said online or offline."""
    updated_at: float = 0.0


class DeviceStates:
    """Latest state per device, with waiting for a state to match (command confirmation)."""

    def __init__(self) -> None:
        self._devices: dict[str, DeviceState] = {}
        self._changed = asyncio.Condition()
        self._listeners: list[ChangeListener] = []

    def get(self, device_id: str) -> dict[str, Any]:
        """The device's last state ({} when never seen)."""
        known = self._devices.get(device_id)
        return dict(known.state) if known else {}

    def available(self, device_id: str) -> bool | None:
        known = self._devices.get(device_id)
        return known.available if known else None

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Every device's state, copied."""
        return {d: dict(s.state) for d, s in self._devices.items()}

    def on_change(self, listener: ChangeListener) -> None:
        """Call `listener(device_id, state, available)` after every update."""
        self._listeners.append(listener)

    def update(self, device_id: str, state: dict[str, Any], now: float) -> None:
        known = self._devices.setdefault(device_id, DeviceState())
        known.state = dict(state)
        known.updated_at = now
        if known.available is None:
            known.available = True
        self._notify(device_id, known.state, None)

    def set_available(self, device_id: str, available: bool, now: float) -> None:
        known = self._devices.setdefault(device_id, DeviceState())
        known.available = available
        known.updated_at = now
        self._notify(device_id, None, available)

    async def wait_for(self, device_id: str, predicate: StatePredicate, timeout: float) -> bool:
        """True once the device's state satisfies `predicate`, False after `timeout` real seconds."""
        return await self._wait(lambda: predicate(self.get(device_id)), timeout)

    async def wait_available(self, device_ids: list[str], timeout: float) -> bool:
        """True once none of `device_ids` says it is offline, False after `timeout` real seconds."""
        return await self._wait(lambda: all(self.available(d) is not False for d in device_ids), timeout)

    async def _wait(self, condition: Callable[[], bool], timeout: float) -> bool:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(condition), timeout)
                return True
            except TimeoutError:
                return False

    def _notify(self, device_id: str, state: dict[str, Any] | None, available: bool | None) -> None:
        for listener in self._listeners:
            listener(device_id, state, available)
        asyncio.get_running_loop().create_task(self._wake_waiters())

    async def _wake_waiters(self) -> None:
        async with self._changed:
            self._changed.notify_all()


def matches(expected: dict[str, Any]) -> StatePredicate:
    """Predicate: every key of `expected` has that value (a tuple/set value means any of them)."""

    def check(state: dict[str, Any]) -> bool:
        for key, want in expected.items():
            got = state.get(key)
            if isinstance(want, (tuple, set, frozenset)):
                if got not in want:
                    return False
            elif got != want:
                return False
        return True

    return check


def state_words(device: Device, state: dict[str, Any]) -> set[str]:
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
    elif kind == "binary_sensor":
        true |= {"open"} if current == "on" else {"closed"}
    elif kind == "person":
        true |= {"away", "out"} if current != "home" else set()
    return true
