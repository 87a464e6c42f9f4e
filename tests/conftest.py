"""Shared fixtures: MQTT brokers to run the simulated devices and the agent against."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from agent.broker import embedded_broker, find_mosquitto, free_port, mosquitto_broker
from agent.home import load_home
from agent.nlu.model import NluModel

ROOT = Path(__file__).resolve().parent.parent
# One trained model for the whole run, shared with the `ambient` processes the tests start.
os.environ.setdefault("AMBIENT_CACHE", str(ROOT / ".cache" / "ambient"))


@pytest.fixture(scope="session")
def nlu() -> NluModel:
    """The NLU model for the demo home (trained once, then loaded from the cache)."""
    return NluModel.load(load_home(ROOT / "scenarios" / "home.yaml"))


@pytest.fixture(params=["amqtt", "mosquitto"])
async def broker_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """The URL of a fresh broker: amqtt in-process, then a mosquitto subprocess."""
    if request.param == "mosquitto":
        try:
            find_mosquitto()
        except FileNotFoundError as error:
            pytest.skip(str(error))
        broker = mosquitto_broker()
    else:
        broker = embedded_broker()
    async with broker as url:
        yield url


@pytest.fixture
async def amqtt_url() -> AsyncIterator[str]:
    """The URL of a fresh in-process amqtt broker."""
    async with embedded_broker() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server in a temporary directory."""
    pytest.importorskip("psycopg")
    initdb = shutil.which("initdb") or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)), None
    )
    if initdb is None:
        pytest.skip("PostgreSQL server not installed (apt-get install postgresql)")
    pg_ctl = str(Path(initdb).with_name("pg_ctl"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="ambient-pg-"))
    if as_postgres:
        shutil.chown(root, "postgres")
    data, port = root / "data", free_port()
    subprocess.run([*as_postgres, initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"], check=True, capture_output=True)
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -F"
    subprocess.run([*as_postgres, pg_ctl, "-D", str(data), "-l", str(root / "log"), "-o", options, "-w", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_postgres, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
