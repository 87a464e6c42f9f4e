"""Shared fixtures: MQTT brokers to run the simulated devices and the agent against."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from agent.broker import embedded_broker, find_mosquitto, mosquitto_broker
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
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL server (Debian's, which make setup installs), shared by the run."""
    pytest.importorskip("psycopg")
    from agent.log.postgres import temporary_server

    with temporary_server() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server: str, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database of its own on the shared server."""
    from sqlalchemy import create_engine, text

    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    engine = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with engine.connect() as db:
        db.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        db.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return postgres_server.rsplit("/", 1)[0] + f"/{name}"
