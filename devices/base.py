"""A simulated device: pure state and dynamics at the core, an MQTT client around them."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import math
import secrets
import socket
from collections.abc import Collection
from contextlib import suppress
from typing import Any, ClassVar

import aiomqtt

from agent.broker import BrokerAddress
from agent.clock import Clock
from agent.home import Device
from agent.topics import AVAILABILITY, MAX_PAYLOAD_BYTES, OFFLINE, ONLINE, SET, STATE

log = logging.getLogger(__name__)

ON_OFF = ("on", "off")
GOODBYE_TIMEOUT = 2.0


class CommandError(ValueError):
    """A command the device refuses; the message says why."""


class SimDevice:
    """Base of the simulated devices: subclasses define defaults, commands and dynamics."""

    command_keys: ClassVar[frozenset[str]] = frozenset()
    """Keys a command on the `set` topic may carry."""
    tick_interval: ClassVar[float | None] = None
    """Seconds of clock time between `tick` calls; None for devices without dynamics."""

    def __init__(self, device: Device, clock: Clock, initial: dict[str, Any] | None = None) -> None:
        self.device = device
        self.clock = clock
        self.state: dict[str, Any] = self.default_state()
        unknown = set(initial or {}) - set(self.state)
        if unknown:
            raise ValueError(f"{device.id}: unknown state keys {sorted(unknown)}; known: {sorted(self.state)}")
        self.state.update(copy.deepcopy(initial or {}))
        self.ready = asyncio.Event()
        """Set while connected, announced and subscribed."""
        self.was_online = False
        self.last_error: str | None = None
        """Why the last connection to the broker failed or ended."""
        self._client: aiomqtt.Client | None = None
        self._publishing = asyncio.Lock()
        self._publish_scheduled = False
        self._background: set[asyncio.Task[None]] = set()
        self.drop_commands = 0
        """Commands still to be lost on the way (fault injection: a device that does not confirm)."""
        self.applied = 0
        """Commands applied since the device started (each one an action)."""

    # --- the pure core -------------------------------------------------------

    def default_state(self) -> dict[str, Any]:
        """The state of a freshly installed device."""
        raise NotImplementedError

    def apply(self, command: dict[str, Any]) -> None:
        """Validate a command and update the state; raises CommandError and leaves state as is."""
        unknown = set(command) - self.command_keys
        if unknown and not self.command_keys:
            raise CommandError(f"{self.device.id} is read-only and takes no commands")
        if unknown:
            raise CommandError(f"unknown command keys {sorted(unknown)}; accepted: {sorted(self.command_keys)}")
        draft = copy.deepcopy(self.state)
        self._apply(draft, command)
        self.state = draft

    def _apply(self, state: dict[str, Any], command: dict[str, Any]) -> None:
        """Update `state` (a draft) from a command whose keys are known; raise CommandError."""

    def tick(self, dt: float) -> bool:
        """Advance the dynamics by `dt` seconds of clock time; True if the state changed."""
        before = copy.deepcopy(self.state)
        self._step(dt)
        return self.state != before

    def _step(self, dt: float) -> None:
        """Advance `self.state` by `dt` seconds."""

    # --- the MQTT shell -------------------------------------------------------

    async def run(self, address: BrokerAddress) -> None:
        """Connect, announce, serve commands and tick until cancelled (or the connection dies)."""
        availability = self.device.topic(AVAILABILITY)
        will = aiomqtt.Will(availability, OFFLINE, qos=1, retain=True)
        identifier = f"ambient-sim-{self.device.id}-{secrets.token_hex(3)}"
        async with address.client(identifier=identifier, will=will) as client:
            self._client = client
            self._publish_scheduled = False
            try:
                with suppress(TimeoutError):  # amqtt sometimes never acknowledges; the message is out anyway
                    await asyncio.wait_for(client.publish(availability, ONLINE, qos=1, retain=True), GOODBYE_TIMEOUT)
                await self._publish_state()
                await client.subscribe(self.device.topic(SET), qos=1)
                self.ready.set()
                self.was_online = True
                await self._serve(client)
            except asyncio.CancelledError:
                with suppress(aiomqtt.MqttError, TimeoutError):
                    await asyncio.wait_for(
                        client.publish(availability, OFFLINE, qos=1, retain=True), GOODBYE_TIMEOUT
                    )
                raise
            finally:
                self._client = None
                self.ready.clear()

    async def run_forever(self, address: BrokerAddress, retry_s: float = 1.0) -> None:
        """`run`, reconnecting whenever the broker goes away, until cancelled."""
        while True:
            try:
                await self.run(address)
            except aiomqtt.MqttError as error:
                self.last_error = str(error)
                if self.was_online:  # else the fleet, waiting for it, says the broker cannot be reached
                    log.warning("%s: lost the broker (%s); reconnecting in %.0f s", self.device.id, error, retry_s)
            await asyncio.sleep(retry_s)

    async def set_state(self, **changes: Any) -> None:
        """Something happened to the device physically (a door blocked, a lock jammed): publish it."""
        unknown = set(changes) - set(self.state)
        if unknown:
            raise ValueError(f"{self.device.id}: unknown state keys {sorted(unknown)}")
        self.state.update(changes)
        await self._publish_state()

    def drop_connection(self) -> None:
        """Cut the connection without a goodbye, as a crash or power cut would; the will fires."""
        if self._client is not None:
            # aiomqtt has no public "abort"; shutting the paho socket down is what a crash looks like.
            sock = self._client._client.socket()
            if isinstance(sock, socket.socket):
                sock.shutdown(socket.SHUT_RDWR)

    async def _serve(self, client: aiomqtt.Client) -> None:
        """Run the command loop and the tick loop until either ends."""
        loops = [self._command_loop(client)]
        if self.tick_interval:
            loops.append(self._tick_loop(self.tick_interval))
        tasks = [asyncio.create_task(loop) for loop in loops]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        finally:
            tasks.extend(self._background)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _command_loop(self, client: aiomqtt.Client) -> None:
        """Apply each command from the `set` topic and republish the state."""
        async for message in client.messages:
            if self._receive(str(message.topic), message.payload):
                await self._publish_state()

    async def _tick_loop(self, interval: float) -> None:
        """Call `tick` every `interval` seconds of clock time, with the time that really passed.

        Publishing runs in the background so a slow broker never holds the dynamics back.
        """
        last = self.clock.now()
        while True:
            await self.clock.sleep(interval)
            now = self.clock.now()
            if self.tick(now - last):
                self._schedule_publish()
            last = now

    def _schedule_publish(self) -> None:
        """Publish the state soon; changes faster than the broker takes them coalesce into one."""
        if not self._publish_scheduled:
            self._publish_scheduled = True
            task = asyncio.create_task(self._publish_state())
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    def _receive(self, topic: str, payload: Any) -> bool:
        """Apply a raw command; log and ignore a bad one. True if it was applied."""
        if self.drop_commands > 0:
            self.drop_commands -= 1
            return self._ignore(topic, "command lost (injected fault)")
        raw = payload if isinstance(payload, bytes | bytearray) else str(payload or "").encode()
        if len(raw) > MAX_PAYLOAD_BYTES:
            return self._ignore(topic, f"payload of {len(raw)} bytes exceeds {MAX_PAYLOAD_BYTES}")
        try:
            command = json.loads(raw)
        except ValueError as error:
            return self._ignore(topic, f"not valid JSON ({error})")
        except RecursionError:
            return self._ignore(topic, "JSON nested too deeply")
        if not isinstance(command, dict):
            return self._ignore(topic, f"expected a JSON object, got {type(command).__name__}")
        try:
            self.apply(command)
        except CommandError as error:
            return self._ignore(topic, f"invalid command {command!r}: {error}")
        self.applied += 1
        return True

    def _ignore(self, topic: str, reason: str) -> bool:
        log.warning("%s: ignored command on %s: %s", self.device.id, topic, reason)
        return False

    async def _publish_state(self) -> None:
        """Publish the current state, retained; the lock keeps publications in state order."""
        async with self._publishing:
            self._publish_scheduled = False
            if self._client is not None:
                payload = json.dumps(self.state)
                # QoS 0: a state is republished on every change, so a lost one is superseded, and
                # nothing waits on a broker's PUBACK (amqtt sometimes never sends it).
                await self._client.publish(self.device.topic(STATE), payload, qos=0, retain=True)


# --- validation helpers for commands -----------------------------------------


def choice(command: dict[str, Any], key: str, options: Collection[str]) -> str:
    """`command[key]`, which must be one of `options`."""
    value = command.get(key)
    if value not in options:
        raise CommandError(f"{key} must be one of {', '.join(options)}, not {value!r}")
    return str(value)


def number(command: dict[str, Any], key: str, low: float, high: float) -> float:
    """`command[key]` as a finite number within [low, high]."""
    value = command.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CommandError(f"{key} must be a number, not {value!r}")
    if not low <= value <= high:
        raise CommandError(f"{key} must be between {low:g} and {high:g}, not {value:g}")
    return float(value)


def integer(command: dict[str, Any], key: str, low: int, high: int) -> int:
    """`command[key]` as a whole number within [low, high]."""
    value = number(command, key, low, high)
    if value != int(value):
        raise CommandError(f"{key} must be a whole number, not {value:g}")
    return int(value)


def text(command: dict[str, Any], key: str) -> str:
    """`command[key]` as a non-empty string."""
    value = command.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CommandError(f"{key} must be a non-empty string, not {value!r}")
    return value.strip()


def approach(current: float, goal: float, step: float) -> float:
    """Move `current` toward `goal` by at most `step`, rounded to a tenth."""
    moved = min(goal, current + step) if current < goal else max(goal, current - step)
    return round(moved, 1)
