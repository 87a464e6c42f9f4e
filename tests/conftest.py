"""Shared fixtures: MQTT brokers to run the simulated devices and the agent against."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from agent.broker import embedded_broker, find_mosquitto, mosquitto_broker


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
