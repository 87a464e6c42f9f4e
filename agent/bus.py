"""The agent's MQTT connection: device states in, commands and agent events out."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from typing import Any

import aiomqtt

from agent import topics
from agent.broker import BrokerAddress
from agent.clock import Clock
from agent.dialects import command_messages, read_attribute, read_state
from agent.home import Device, Home
from agent.states import DeviceStates

log = logging.getLogger(__name__)
PUBLISH_TIMEOUT_S = 2.0
RECONNECT_WAIT_S = 5.0
"""How long a command waits for a lost broker to come back before the user is told it could not be sent."""
RETRY_MAX_S = 8.0
"""Reconnection attempts back off from `retry_s`, doubling, up to this."""
RECOVERY_S = 10.0
"""After the broker comes back, devices it reported offline as it went down get this long to reconnect."""
START_REFUSALS = 2
"""First connections refused this many times in a row (about a second) mean nothing listens there: `start` says
so then rather than at its timeout (a broker that is slow to answer still gets the whole timeout)."""


class BusUnavailable(ConnectionError):
    """The broker cannot be reached right now."""


class MqttBus:
    """Keeps `states` current from the home's topics and publishes commands; reconnects on loss."""

    def __init__(self, address: BrokerAddress, home: Home, states: DeviceStates, clock: Clock,
                 client_id: str | None = None, retry_s: float = 1.0) -> None:
        self.address = address
        self.client_id = client_id or f"ambient-agent-{secrets.token_hex(4)}"
        """Unique per agent: a broker drops a client when another connects with the same id (homes sharing a
        broker, two agents in one home)."""
        self.home = home
        self.states = states
        self.clock = clock
        self.retry_s = retry_s
        self._routes: dict[str, tuple[str, str]] = {}
        """Topic -> (device id, state or availability)."""
        self._attribute_routes: dict[str, tuple[str, str]] = {}
        """Topic -> (device id, state key) of values devices publish alone on topics of their own."""
        self._client: aiomqtt.Client | None = None
        self._connected = asyncio.Event()
        self._refused: int | None = 0
        """First connections refused in a row; None once connected (a broker that went away is waited for)."""
        self._nobody_there = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lost_at: float | None = None
        """Event-loop time the broker was last lost."""
        self._last_error: str | None = None
        """Why the last connection failed or ended, to say when the broker cannot be reached."""
        self.use_home(home)

    def use_home(self, home: Home) -> None:
        """Route each device's state and availability topics (real devices may override them)."""
        self.home = home
        self._routes = {
            d.topic(kind): (d.id, kind) for d in home.devices for kind in (topics.STATE, topics.AVAILABILITY)
        }
        self._attribute_routes = {a.state: (d.id, key) for d in home.devices
                                  for key, a in d.topics.attributes.items() if a.state}

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def start(self, timeout: float = 10.0) -> None:
        """Connect in the background and wait until subscribed (retained states arrive next)."""
        self._task = asyncio.create_task(self._run(), name="mqtt-bus")
        waits = [asyncio.create_task(event.wait()) for event in (self._connected, self._nobody_there)]
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for wait in waits:
            wait.cancel()
        if not self.connected:
            await self.stop()
            raise BusUnavailable(self.address.unreachable(self._last_error))

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self._connected.clear()

    @property
    def recovering(self) -> bool:
        """Not connected, or reconnected within `RECOVERY_S` of losing the broker."""
        lost = self._lost_at
        return not self.connected or (lost is not None and asyncio.get_running_loop().time() - lost < RECOVERY_S)

    async def command(self, device: Device, payload: dict[str, Any], wait_s: float = RECONNECT_WAIT_S) -> None:
        """Publish a command (QoS 1) on the device's set topic (and values with topics of their own on those).
        While the broker is away, wait up to `wait_s` for it to come back; a publish cut off before the broker
        acknowledged it is sent once more on the new connection (commands are desired states, so a second
        delivery is not a second action). Raises BusUnavailable when it cannot be sent, UnsupportedCommand when
        the device cannot take it."""
        for topic, message in command_messages(device, payload):
            await self._publish(device, topic, message, wait_s)

    async def _publish(self, device: Device, topic: str, message: str, wait_s: float) -> None:
        for attempt in range(2):
            try:
                await asyncio.wait_for(self._connected.wait(), wait_s)
            except TimeoutError as exc:
                raise BusUnavailable(f"not connected to the MQTT broker (waited {wait_s:.0f} s)") from exc
            client = self._client
            try:
                assert client is not None
                await asyncio.wait_for(client.publish(topic, message, qos=1), PUBLISH_TIMEOUT_S)
                return
            except (TimeoutError, aiomqtt.MqttError) as exc:
                why = str(exc) or "no acknowledgement"
                if attempt:
                    raise BusUnavailable(f"the broker did not take a command to {device.id}: {why}") from exc
                log.warning("command to %s cut off (%s); sending it again once reconnected", device.id, why)
                self._lost()

    async def event(self, satellite: str, name: str, payload: dict[str, Any]) -> None:
        """Publish an agent event on `ambient/<satellite>/<name>`; best effort, never raises."""
        client = self._client
        if client is None or not self.connected:
            return
        try:
            await client.publish(topics.agent_topic(satellite, name), json.dumps(payload, default=str))
        except aiomqtt.MqttError as exc:
            log.debug("agent event %s not published: %s", name, exc)

    async def _run(self) -> None:
        delay = self.retry_s
        while True:
            try:
                async with self.address.client(identifier=self.client_id) as client:
                    self._client = client
                    await client.subscribe([(topic, 1) for topic in [*self._routes, *self._attribute_routes]]
                                           + [("home/#", 0)])
                    self._connected.set()
                    self._refused = None
                    delay = self.retry_s
                    log.info("connected to MQTT broker")
                    async for message in client.messages:
                        self.handle(str(message.topic), message.payload)
            except aiomqtt.MqttError as exc:
                self._last_error = str(exc)
                if self._refused is not None:
                    self._refused = self._refused + 1 if isinstance(exc.__context__, ConnectionRefusedError) else 0
                    if self._refused >= START_REFUSALS:
                        self._nobody_there.set()
                if self._connected.is_set():
                    log.warning("lost the MQTT broker (%s); reconnecting, backing off from %.1f s", exc, delay)
            finally:
                self._client = None
                self._lost()
            await asyncio.sleep(delay)
            delay = min(RETRY_MAX_S, delay * 2)

    def _lost(self) -> None:
        if self._connected.is_set():
            self._lost_at = asyncio.get_running_loop().time()
            self._connected.clear()

    def handle(self, topic: str, payload: Any) -> None:
        """Apply one incoming message; bad ones are logged and dropped, never raised."""
        alone = topic in self._attribute_routes
        route = self._attribute_routes[topic] if alone else self._routes.get(topic)
        if route is None:
            if topic.startswith("home/") and not topic.endswith("/" + topics.SET):
                log.debug("ignoring message on unknown topic %s", topic)
            return
        device_id, kind = route
        raw = bytes(payload) if isinstance(payload, (bytes, bytearray)) else str(payload or "").encode()
        if len(raw) > topics.MAX_PAYLOAD_BYTES:
            log.warning("dropped %d-byte %s message from %s: over %d bytes", len(raw), kind, device_id,
                        topics.MAX_PAYLOAD_BYTES)
            return
        now = self.clock.now()
        if not alone and kind == topics.AVAILABILITY:
            available = _parse_availability(raw)
            if available is None:
                log.warning("dropped availability from %s: expected online/offline, got %r", device_id, raw[:40])
            else:
                self.states.set_available(device_id, available, now)
            return
        device = self.home.device_by_id[device_id]
        try:
            state = read_attribute(device, kind, raw) if alone else read_state(device, raw)
        except ValueError as exc:
            log.warning("dropped malformed %s from %s: %s", kind, device_id, exc)
            return
        if device.topics.attributes:  # its values come on several topics: each message updates some of them
            state = {**self.states.get(device_id), **state}
        self.states.update(device_id, state, now)


def _parse_availability(raw: bytes) -> bool | None:
    """`online`/`offline`, plain or as Zigbee2MQTT's `{"state": "online"}`."""
    text = raw.decode("utf-8", "replace").strip()
    if text.startswith("{"):
        try:
            text = str(json.loads(text).get("state", ""))
        except (json.JSONDecodeError, AttributeError, RecursionError):
            return None
    return {topics.ONLINE: True, topics.OFFLINE: False}.get(text.lower())
