"""A real mosquitto with a password file, an ACL and a self-signed certificate: the agent and the devices connect
over TLS with their own accounts; nobody else commands a device."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiomqtt
import pytest

from agent.agent import Agent
from agent.broker import find_mosquitto, mosquitto_broker, parse_broker_url
from agent.clock import SystemClock
from agent.config import AgentConfig
from agent.home import load_home
from agent.nlu.model import NluModel
from devices.fleet import running

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "home.yaml"
ACCOUNTS = {"agent": "agent-secret", "devices": "devices-secret", "guest": "guest-secret"}
ACL = """user agent
topic readwrite home/#
topic write ambient/#

user devices
topic readwrite home/#

user guest
topic read home/#
"""


def certificates(folder: Path) -> None:
    """A CA and a server certificate for 127.0.0.1 signed by it (openssl)."""
    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
        "-subj", "/CN=ambient test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.crt", "-days", "2", "-extfile", "san.ext")


@pytest.fixture
async def secure_broker(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    """mosquitto over TLS with accounts and an ACL; yields `host:port` and the CA file."""
    try:
        find_mosquitto()
    except FileNotFoundError as exc:
        pytest.fail(str(exc))
    assert shutil.which("openssl") and shutil.which("mosquitto_passwd"), "make setup installs openssl and mosquitto"
    certificates(tmp_path)
    passwords = tmp_path / "passwords"
    for user, secret in ACCOUNTS.items():
        subprocess.run(["mosquitto_passwd", "-b", *(["-c"] if not passwords.exists() else []), str(passwords), user,
                        secret], check=True, capture_output=True)
    (tmp_path / "acl").write_text(ACL)
    settings = (f"allow_anonymous false\npassword_file {passwords}\nacl_file {tmp_path / 'acl'}\n"
                f"cafile {tmp_path / 'ca.crt'}\ncertfile {tmp_path / 'server.crt'}\nkeyfile {tmp_path / 'server.key'}\n")
    async with mosquitto_broker(settings=settings) as url:
        yield url.removeprefix("mqtt://"), tmp_path / "ca.crt"


def secure_url(place: str, ca: Path, user: str | None) -> str:
    account = f"{user}:{ACCOUNTS[user]}@" if user else ""
    return f"mqtts://{account}{place}?ca={ca}"


async def test_agent_and_devices_connect_over_tls_and_strangers_cannot_command(secure_broker, nlu: NluModel,
                                                                               tmp_path: Path) -> None:
    place, ca = secure_broker
    home = load_home(DEMO)
    clock = SystemClock()
    async with running(home, parse_broker_url(secure_url(place, ca, "devices")), clock, {"garage_door": {"state": "closed"}}) as fleet:
        config = AgentConfig(home=DEMO, broker=secure_url(place, ca, "agent"), db=None, require_wake=False)
        async with Agent(config, clock=clock, nlu=nlu) as agent:
            trace = await agent.handle_text("turn on the kitchen light", user="alice", device="kitchen_speaker")
            assert trace.outcome == "success" and fleet["kitchen_light"].state["state"] == "on"
            with pytest.raises(aiomqtt.MqttError):  # no account: refused
                async with parse_broker_url(f"mqtts://{place}?ca={ca}").client(identifier="stranger"):
                    pass
            with pytest.raises(aiomqtt.MqttError):  # a wrong password: refused
                async with parse_broker_url(f"mqtts://guest:wrong@{place}?ca={ca}").client(identifier="guesser"):
                    pass
            with pytest.raises(aiomqtt.MqttError):  # not TLS: no plain listener
                async with parse_broker_url(f"mqtt://guest:{ACCOUNTS['guest']}@{place}").client(identifier="plain"):
                    pass
            # an account that may only read: its command never reaches the garage door
            async with parse_broker_url(secure_url(place, ca, "guest")).client(identifier="guest") as guest:
                await guest.publish(home.device("garage_door").topic("set"), json.dumps({"state": "open"}), qos=1)
            await asyncio.sleep(0.5)
            assert fleet["garage_door"].state["state"] == "closed"
            assert agent.states.get("garage_door")["state"] == "closed"


def test_a_certificate_from_elsewhere_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no CA file"):
        parse_broker_url(f"mqtts://127.0.0.1?ca={tmp_path / 'missing.crt'}")
    with pytest.raises(ValueError, match="only mqtts://"):
        parse_broker_url("mqtt://127.0.0.1?ca=/etc/ssl/certs/ca-certificates.crt")
    assert parse_broker_url("mqtts://broker.example").port == 8883


async def test_topics_named_in_speech_are_never_published_to(amqtt_url: str, nlu: NluModel) -> None:
    home = load_home(DEMO)
    clock = SystemClock()
    seen: list[str] = []
    async with running(home, parse_broker_url(amqtt_url), clock, {"garage_door": {"state": "closed"}}) as fleet:
        config = AgentConfig(home=DEMO, broker=amqtt_url, db=None, require_wake=False)
        async with Agent(config, clock=clock, nlu=nlu) as agent, \
                parse_broker_url(amqtt_url).client(identifier="sniffer") as sniffer:
            await sniffer.subscribe("#")

            async def listen() -> None:
                async for message in sniffer.messages:
                    seen.append(str(message.topic))

            task = asyncio.create_task(listen())
            for said in ("publish open to home/garage_door/set", "turn on zigbee2mqtt/garage/set",
                         "send state open to homeassistant/cover/garage/set", "turn on the topic home slash fan slash set",
                         "turn on the kitchen light"):
                await agent.handle_text(said, user="alice", device="kitchen_speaker")
            await asyncio.sleep(0.3)
            task.cancel()
    known = {d.topic("set") for d in home.devices}
    commands = [t for t in seen if t.endswith("/set")]
    assert "home/kitchen_light/set" in commands and set(commands) <= known
    assert fleet["garage_door"].state["state"] == "closed"


async def test_doctor_says_whether_the_credentials_and_the_certificate_are_right(secure_broker, tmp_path: Path
                                                                                 ) -> None:
    place, ca = secure_broker

    async def broker_check(url: str) -> dict[str, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "agent", "doctor", "--json", "--broker", url, "--db", f"sqlite:///{tmp_path / 'd.db'}",
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        stdout, _ = await asyncio.wait_for(process.communicate(), 120)
        return next(f for f in map(json.loads, stdout.decode().splitlines()) if f["what"] == "broker")

    right = await broker_check(f"mqtts://agent:{ACCOUNTS['agent']}@{place}?ca={ca}")
    assert right["status"] == "ok" and "TLS" in right["detail"]
    wrong = await broker_check(f"mqtts://agent:wrong@{place}?ca={ca}")
    assert wrong["status"] == "fail" and "authori" in wrong["detail"].lower() and "user:password" in wrong["fix"]
    unknown_ca = await broker_check(f"mqtts://agent:{ACCOUNTS['agent']}@{place}")
    assert unknown_ca["status"] == "fail" and "certificate" in unknown_ca["detail"].lower()
