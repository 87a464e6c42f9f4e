"""MQTT broker addresses, and brokers to run in tests and demos (embedded amqtt, mosquitto)."""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import ssl
import tempfile
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import aiomqtt
from amqtt.broker import Broker

DEFAULT_PORT = 1883
TLS_PORT = 8883
MOSQUITTO_PATHS = ("/usr/sbin/mosquitto", "mosquitto")
STARTUP_TIMEOUT = 10.0
BROKER_STOP_S = 5.0
"""How long the embedded broker may take to stop: amqtt's shutdown has no bound of its own, and `ambient listen`
stopped by SIGTERM once in about forty runs under load never exited (its event loop idle, waiting on a task)."""
log = logging.getLogger(__name__)
NO_DELAY = ((socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),)
"""Small MQTT packets go out at once: without it Nagle and delayed ACKs add ~40 ms per QoS 1 hop."""


@dataclass(frozen=True)
class BrokerAddress:
    """Where an MQTT broker listens, and the credentials to use."""

    host: str
    """Hostname or IP address."""
    port: int = DEFAULT_PORT
    """TCP port."""
    username: str | None = None
    """User name, if the broker wants one."""
    password: str | None = field(default=None, repr=False)
    """Password, if the broker wants one (kept out of repr and logs)."""
    tls: bool = False
    """Connect over TLS (`mqtts://`), verifying the broker's certificate."""
    ca_file: str | None = None
    """With TLS: the CA certificate to verify the broker with; None: the system's CAs."""

    @property
    def url(self) -> str:
        """The URL, without the password."""
        user = f"{self.username}@" if self.username else ""
        ca = f"?ca={self.ca_file}" if self.ca_file else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{user}{self.host}:{self.port}{ca}"

    def unreachable(self, why: str | None = None) -> str:
        """What to tell a user when this broker cannot be reached (`why`: the last connection error)."""
        reason = f" ({why})" if why else ""
        return (f"cannot reach the MQTT broker at {self.host}:{self.port}{reason}: is it running, and are --broker's "
                "address and credentials right?")

    async def messages(self, topics: Iterable[str], wait_s: float, identifier: str) -> list[tuple[str, bytes]]:
        """(topic, payload) of what arrives on `topics` within `wait_s` of subscribing: what is retained there
        arrives at once. MqttError when the broker cannot be reached."""
        got = []
        async with self.client(identifier=identifier) as client:
            for topic in topics:
                await client.subscribe(topic)
            try:
                async with asyncio.timeout(wait_s):
                    async for message in client.messages:
                        got.append((str(message.topic), bytes(message.payload)))
            except TimeoutError:
                pass
        return got

    def client(self, **kwargs: Any) -> aiomqtt.Client:
        """An aiomqtt client for this broker; `kwargs` (identifier, will, ...) pass through."""
        kwargs.setdefault("socket_options", NO_DELAY)
        return aiomqtt.Client(self.host, self.port, username=self.username, password=self.password,
                              tls_context=self.tls_context(), **kwargs)

    def tls_context(self) -> ssl.SSLContext | None:
        """The TLS context (certificate and host name checked), or None without TLS."""
        if not self.tls:
            return None
        try:
            return ssl.create_default_context(cafile=self.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(f"cannot use CA file {self.ca_file!r}: {exc}") from exc


def parse_broker_url(url: str) -> BrokerAddress:
    """Parse `mqtt://[user:pass@]host[:port]` or `mqtts://[user:pass@]host[:port][?ca=CA_FILE]` (TLS, port
    8883 by default); raises ValueError saying what is wrong."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("mqtt", "mqtts"):
        raise ValueError(f"broker URL {url!r} must start with mqtt:// or mqtts:// (mqtt://[user:pass@]host:port)")
    if not parts.hostname:
        raise ValueError(f"broker URL {url!r} has no host (mqtt://[user:pass@]host:port)")
    query = parse_qs(parts.query, keep_blank_values=True)
    if parts.path not in ("", "/") or parts.fragment or set(query) - {"ca"} or (query and parts.scheme == "mqtt"):
        raise ValueError(f"broker URL {url!r} must not have a path or fragment, and only mqtts:// takes ?ca=FILE")
    ca_file = query["ca"][-1] if "ca" in query else None
    if ca_file is not None and not Path(ca_file).is_file():
        raise ValueError(f"broker URL {url!r}: no CA file at {ca_file!r}")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"broker URL {url!r} has an invalid port (expected 1-65535)") from None
    if port == 0:
        raise ValueError(f"broker URL {url!r} has an invalid port (expected 1-65535)")
    return BrokerAddress(
        host=parts.hostname,
        port=port or (TLS_PORT if parts.scheme == "mqtts" else DEFAULT_PORT),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        tls=parts.scheme == "mqtts",
        ca_file=ca_file,
    )


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def embedded_broker(host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Run amqtt in this process (anonymous clients allowed) and yield its `mqtt://` URL."""
    for name in ("amqtt", "transitions"):  # its shutdown notices ("N messages not broadcasted") are noise here
        logging.getLogger(name).setLevel(logging.ERROR)
    port = port or free_port(host)
    broker = Broker({
        "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
    })
    await broker.start()
    try:
        yield f"mqtt://{host}:{port}"
    finally:
        try:
            await asyncio.wait_for(broker.shutdown(), BROKER_STOP_S)
        except TimeoutError:
            log.warning("the embedded MQTT broker did not stop within %.0f s; leaving it", BROKER_STOP_S)


def find_mosquitto() -> str:
    """Path of the mosquitto executable; raises FileNotFoundError saying how to install it."""
    for candidate in MOSQUITTO_PATHS:
        found = shutil.which(candidate)
        if found:
            return found
    raise FileNotFoundError(
        "mosquitto is not installed (looked for /usr/sbin/mosquitto and `mosquitto` on PATH); "
        "install it with `apt-get install mosquitto`"
    )


class Mosquitto:
    """A mosquitto process on 127.0.0.1 that can be stopped and started again on the same port (a broker
    restart), with its retained messages kept on disk across restarts."""

    def __init__(self, folder: Path, port: int = 0, settings: str = "allow_anonymous true\n") -> None:
        self.executable = find_mosquitto()
        self.host = "127.0.0.1"
        self.port = port or free_port(self.host)
        self.folder = folder
        self.config = folder / "mosquitto.conf"
        self.config.write_text(
            f"per_listener_settings false\nuser root\nlistener {self.port} {self.host}\n{settings}"
            f"persistence true\npersistence_location {folder}/\nautosave_interval 1\n"
            "set_tcp_nodelay true\nlog_dest stderr\nlog_type error\nlog_type warning\n")
        self.log_path = folder / "mosquitto.log"
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    async def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                self.executable, "-c", str(self.config), stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)
        await _wait_listening(self.host, self.port, self.process, self.log_path)

    async def stop(self) -> None:
        """Stop as a service manager would (SIGTERM: retained messages are saved)."""
        process, self.process = self.process, None
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 5)
        except TimeoutError:
            process.kill()
            await process.wait()


@asynccontextmanager
async def mosquitto_broker(port: int = 0, settings: str = "allow_anonymous true\n") -> AsyncIterator[str]:
    """Run mosquitto with `settings` (mosquitto.conf lines: anonymous clients allowed by default; a test's
    password file, ACL and certificates) and yield its `mqtt://host:port` URL."""
    with tempfile.TemporaryDirectory(prefix="ambient-mosquitto-") as tmp:
        broker = Mosquitto(Path(tmp), port, settings)
        await broker.start()
        try:
            yield broker.url
        finally:
            await broker.stop()


async def _wait_listening(
    host: str, port: int, process: asyncio.subprocess.Process, log_path: Path
) -> None:
    """Return once `host:port` accepts connections; raise if the broker dies or never listens."""
    deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT
    while True:
        if process.returncode is not None:
            raise RuntimeError(
                f"mosquitto exited with code {process.returncode} on port {port}: "
                f"{log_path.read_text(errors='replace').strip()}"
            )
        try:
            _, writer = await asyncio.open_connection(host, port)
        except OSError:
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"mosquitto did not listen on {host}:{port} within {STARTUP_TIMEOUT} s")
            await asyncio.sleep(0.02)
            continue
        writer.close()
        await writer.wait_closed()
        return
