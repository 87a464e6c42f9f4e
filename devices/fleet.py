"""All the simulated devices of a home, each its own MQTT client, started and stopped together."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import aiomqtt

from agent.broker import BrokerAddress, parse_broker_url
from agent.clock import Clock, SystemClock
from agent.home import Device, Home, load_home
from devices import DEVICE_TYPES
from devices.base import SimDevice

log = logging.getLogger(__name__)

READY_TIMEOUT = 10.0


def create_device(device: Device, clock: Clock, initial: dict[str, Any] | None = None) -> SimDevice:
    """The simulator for one device of the home, chosen by its type."""
    return DEVICE_TYPES[device.type](device, clock, initial)


class DeviceFleet:
    """One SimDevice per device of a home; `fleet[device_id]` is that device."""

    def __init__(
        self, home: Home, clock: Clock, initial_states: dict[str, dict[str, Any]] | None = None,
        reconnect: bool = False,
    ) -> None:
        initial_states = initial_states or {}
        self.reconnect = reconnect
        """Whether devices reconnect after losing the broker (a long-running `ambient devices`)."""
        unknown = set(initial_states) - set(home.device_by_id)
        if unknown:
            raise ValueError(f"initial states for unknown devices: {', '.join(sorted(unknown))}")
        self.devices = {d.id: create_device(d, clock, initial_states.get(d.id)) for d in home.devices}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._address: BrokerAddress | None = None

    def __getitem__(self, device_id: str) -> SimDevice:
        return self.devices[device_id]

    def __iter__(self) -> Iterator[SimDevice]:
        return iter(self.devices.values())

    def __len__(self) -> int:
        return len(self.devices)

    async def start(self, address: BrokerAddress) -> None:
        """Connect every device; return once each has published its retained state."""
        self._address = address
        await asyncio.gather(*(self.bring_online(device_id) for device_id in self.devices))

    async def stop(self) -> None:
        """Disconnect every device cleanly (each publishes `offline`)."""
        tasks = dict(self._tasks)
        self._tasks.clear()
        for task in tasks.values():
            task.cancel()
        results = await asyncio.gather(*tasks.values(), return_exceptions=True)
        for device_id, result in zip(tasks, results):
            if isinstance(result, Exception):
                log.warning("%s: stopped with an error: %s", device_id, result)

    async def bring_online(self, device_id: str) -> None:
        """Connect one device (again); return once it has published its retained state."""
        if self._address is None:
            raise RuntimeError("the fleet is not started")
        if device_id in self._tasks:
            raise RuntimeError(f"{device_id} is already online")
        device = self.devices[device_id]
        serve = device.run_forever(self._address) if self.reconnect else device.run(self._address)
        task = asyncio.create_task(serve, name=f"sim-{device_id}")
        self._tasks[device_id] = task
        waiter = asyncio.create_task(device.ready.wait())
        try:
            await asyncio.wait({waiter, task}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        if device.ready.is_set():
            return
        del self._tasks[device_id]
        if task.done():
            task.result()
            raise RuntimeError(f"{device_id} stopped before it came online")
        task.cancel()
        if device.last_error is not None:
            raise ConnectionError(f"the simulated {device_id}: {self._address.unreachable(device.last_error)}")
        raise TimeoutError(f"{device_id} did not come online within {READY_TIMEOUT} s")

    async def take_offline(self, device_id: str) -> None:
        """Drop one device's connection abruptly, so the broker publishes its last will `offline`."""
        if device_id not in self._tasks:
            raise RuntimeError(f"{device_id} is not online")
        task = self._tasks.pop(device_id)
        self.devices[device_id].drop_connection()
        with suppress(aiomqtt.MqttError):
            await asyncio.wait_for(task, READY_TIMEOUT)

    async def set_state(self, device_id: str, **changes: Any) -> None:
        """Something physically happened to a device (a door blocked, a lock jammed)."""
        await self.devices[device_id].set_state(**changes)


@asynccontextmanager
async def running(
    home: Home,
    address: BrokerAddress | str,
    clock: Clock,
    initial_states: dict[str, dict[str, Any]] | None = None,
    reconnect: bool = False,
) -> AsyncIterator[DeviceFleet]:
    """Run the home's simulated devices; yields once every device has published its state."""
    if isinstance(address, str):
        address = parse_broker_url(address)
    fleet = DeviceFleet(home, clock, initial_states, reconnect)
    try:
        await fleet.start(address)
        yield fleet
    finally:
        await fleet.stop()


@asynccontextmanager
async def in_own_process(files: list[Path], broker_url: str, ready_s: float = 60.0
                         ) -> AsyncIterator[multiprocessing.process.BaseProcess]:
    """Run the devices of every home file in a (spawned) process of their own, as real devices are not in the
    agent's; yields the process once every device has published its state (RuntimeError after `ready_s`), and
    stops it on the way out (one that was killed meanwhile too: the stop signal is a pipe closing, not an event
    a dead waiter would leave set-pending)."""
    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Event()
    stop_read, stop_write = spawn.Pipe(duplex=False)
    process = spawn.Process(target=_serve, args=([str(f) for f in files], broker_url, ready, stop_read),
                            name="devices", daemon=True)
    try:
        process.start()
        stop_read.close()
        if not await asyncio.to_thread(ready.wait, ready_s):
            raise RuntimeError(f"the devices were not online after {ready_s:.0f} s")
        yield process
    finally:
        stop_write.close()
        if process.pid is not None:  # started: a failed start must not hide its own error
            await asyncio.to_thread(process.join, 30)
            if process.is_alive():
                process.kill()


def _serve(files: list[str], broker_url: str, ready: Event, stop: Connection) -> None:
    """The body of `in_own_process`: the devices online until the other end of `stop` closes."""

    def wait_for_stop() -> None:
        with suppress(EOFError):
            stop.recv()

    async def serve() -> None:
        async with AsyncExitStack() as stack:
            for path in files:
                await stack.enter_async_context(running(load_home(Path(path)), parse_broker_url(broker_url),
                                                        SystemClock(), None))
            ready.set()
            await asyncio.to_thread(wait_for_stop)

    asyncio.run(serve())
