"""Skills against a real broker (embedded amqtt) and the simulated devices, commanded through MqttBus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from agent.broker import parse_broker_url
from agent.bus import MqttBus
from agent.clock import VirtualClock
from agent.home import Device, Home, load_home
from agent.states import DeviceStates, matches
from agent.turn import Intent, Outcome, Resolution, Result
from devices.fleet import DeviceFleet, running
from skills import load_skills
from skills.base import Services, SkillContext
from skills.media import search
from skills.timers import duration
from skills.weather import SimulatedWeather

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "home.yaml"
START = datetime(2026, 11, 22, 7, 5).timestamp()
"""Sunday, November 22, 7:05 AM local time."""


@dataclass
class World:
    """One home with its simulated devices, and the agent's bus and skills."""

    home: Home
    states: DeviceStates
    bus: MqttBus
    fleet: DeviceFleet
    clock: VirtualClock
    skills: dict[str, Any]
    announced: list[tuple[str | None, str]] = field(default_factory=list)

    def ctx(self, satellite: str = "kitchen_speaker", confirm_timeout_s: float = 2.0) -> SkillContext:
        device = self.home.device(satellite)
        assert device is not None

        async def announce(satellite_id: str | None, text: str) -> None:
            self.announced.append((satellite_id, text))

        return SkillContext(
            home=self.home, states=self.states, commander=self.bus, clock=self.clock, user="alice",
            satellite=device, area=device.area, services=Services(SimulatedWeather(), announce),
            confirm_timeout_s=confirm_timeout_s,
        )

    async def ask(self, intent: str, devices: tuple[str, ...] = (), satellite: str = "kitchen_speaker",
                  confirm_timeout_s: float = 2.0, **values: Any) -> Result:
        request = Resolution(Intent(intent, {}), devices, values)
        return await self.skills[intent].handle(request, self.ctx(satellite, confirm_timeout_s))

    def device_state(self, device_id: str) -> dict[str, Any]:
        """What the simulated device itself believes (not the agent's view)."""
        return dict(self.fleet[device_id].state)


def with_porch_light(home: Home) -> Home:
    """The home plus a light that no simulated device answers for."""
    porch = Device(id="porch_light", name="porch light", area="hallway", type="light")
    return Home.model_validate({**home.model_dump(), "devices": [*home.model_dump()["devices"], porch.model_dump()]})


@asynccontextmanager
async def world(url: str, initial: dict[str, dict[str, Any]] | None = None) -> AsyncIterator[World]:
    home = load_home(DEMO)
    clock = VirtualClock(START)
    states = DeviceStates()
    address = parse_broker_url(url)
    agent_home = with_porch_light(home)
    bus = MqttBus(address, agent_home, states, clock)
    async with running(home, url, clock, initial) as fleet:
        await bus.start()
        try:
            for device in home.devices:
                assert await states.wait_for(device.id, bool, 5.0), f"no state from {device.id}"
            yield World(agent_home, states, bus, fleet, clock, load_skills())
        finally:
            await bus.stop()


@pytest.fixture
async def w(amqtt_url: str) -> AsyncIterator[World]:
    async with world(amqtt_url, {
        "reading_lamp": {"state": "on"},
        "oven": {"state": "off", "current_temperature": 70},
        "thermostat": {"mode": "heat", "target_temperature": 68, "current_temperature": 68},
    }) as built:
        yield built


# --- power -------------------------------------------------------------------


async def test_turning_on_a_light_really_turns_it_on(w: World) -> None:
    result = await w.ask("HassTurnOn", ("kitchen_light",))
    assert result.outcome == Outcome.SUCCESS
    assert result.speech == "Turned on the kitchen light."
    assert w.device_state("kitchen_light")["state"] == "on"
    assert [a.confirmed for a in result.actions] == [True]


async def test_several_devices_are_switched_together_in_one_sentence(w: World) -> None:
    await w.ask("HassTurnOn", ("bedside_lamp",))
    result = await w.ask("HassTurnOff", ("reading_lamp", "bedside_lamp", "fan"))
    assert result.outcome == Outcome.SUCCESS
    assert result.speech == "Turned off the reading lamp, the bedside lamp and the fan."
    assert all(w.device_state(d)["state"] == "off" for d in ("reading_lamp", "bedside_lamp", "fan"))


async def test_garage_door_opens_and_then_reports_open(w: World) -> None:
    result = await w.ask("HassTurnOn", ("garage_door",))
    assert result.outcome == Outcome.SUCCESS
    assert result.speech == "Opening the garage door."
    assert w.device_state("garage_door")["state"] == "opening"
    await w.clock.advance(12)
    assert await w.states.wait_for("garage_door", matches({"state": "open"}), 2.0)
    answer = await w.ask("HassGetState", ("garage_door",), state="open")
    assert answer.speech == "Yes, the garage door is open."
    closing = await w.ask("HassTurnOff", ("garage_door",))
    assert closing.speech == "Closing the garage door."
    assert w.device_state("garage_door")["state"] == "closing"
    answer = await w.ask("HassGetState", ("garage_door",), state="open")
    assert answer.speech == "No, the garage door is closing."


async def test_appliances_locks_and_vacuum_follow_on_and_off(w: World) -> None:
    assert (await w.ask("HassTurnOn", ("coffee_maker",))).speech == "Turned on the coffee maker."
    assert w.device_state("coffee_maker") == {"state": "on", "brewing": True}
    assert (await w.ask("HassTurnOff", ("front_door",))).speech == "Unlocked the front door."
    assert w.device_state("front_door")["state"] == "unlocked"
    assert (await w.ask("HassLockDoor", ("front_door",))).speech == "Locked the front door."
    assert w.device_state("front_door")["state"] == "locked"
    assert (await w.ask("HassVacuumStart", ("vacuum",))).speech == "Started the robot vacuum."
    assert w.device_state("vacuum")["state"] == "cleaning"
    result = await w.ask("HassVacuumReturnToBase", ("vacuum",))
    assert result.speech == "Sending the robot vacuum back to its dock."
    assert w.device_state("vacuum")["state"] == "returning"


async def test_media_players_turn_off_and_on(w: World) -> None:
    await w.ask("HassMediaSearchAndPlay", ("tv",), satellite="tv", search_query="star wars", has_screen=True)
    off = await w.ask("HassTurnOff", ("tv",), confirm_timeout_s=0.5)
    assert off.speech == "Turned off the tv."
    assert w.device_state("tv")["state"] == "off"
    on = await w.ask("HassTurnOn", ("tv",), confirm_timeout_s=0.5)
    assert on.speech == "Turned on the tv."
    assert w.device_state("tv")["state"] == "idle"


# --- lights ------------------------------------------------------------------


async def test_light_brightness_and_colour(w: World) -> None:
    result = await w.ask("HassLightSet", ("floor_lamp",), brightness=40, color="Red")
    assert result.outcome == Outcome.SUCCESS
    assert result.speech == "Set the floor lamp to red at 40 percent."
    assert w.device_state("floor_lamp") == {"state": "on", "brightness": 40, "color": "red", "color_temp": 2700}
    result = await w.ask("HassLightSet", ("floor_lamp",), brightness=0)
    assert result.speech == "Turned off the floor lamp."
    assert w.device_state("floor_lamp")["state"] == "off"


# --- temperatures ------------------------------------------------------------


async def test_oven_temperature_answer_depends_on_the_oven(amqtt_url: str) -> None:
    async with world(amqtt_url, {"oven": {"state": "on", "target_temperature": 350,
                                          "current_temperature": 250}}) as w:
        heating = await w.ask("HassClimateGetTemperature", ("oven",), source="device")
        assert heating.speech == "The oven is at 250 degrees, heating to 350."
        assert heating.data["temperature"] == 250 and heating.data["source"] == "oven"
        await w.fleet.set_state("oven", current_temperature=350)
        assert await w.states.wait_for("oven", matches({"current_temperature": 350}), 2.0)
        hot = await w.ask("HassClimateGetTemperature", ("oven",), source="device")
        assert hot.speech == "The oven is at 350 degrees."


async def test_setting_the_oven_turns_it_on_and_heats(w: World) -> None:
    cold = await w.ask("HassClimateGetTemperature", ("oven",), source="device")
    assert cold.speech == "The oven is off; it's at 70 degrees."
    result = await w.ask("HassOvenSetTemperature", ("oven",), temperature=400)
    assert result.speech == "Preheating the oven to 400 degrees."
    assert w.device_state("oven")["state"] == "on" and w.device_state("oven")["target_temperature"] == 400
    await w.clock.advance(100)  # 0.4 degrees a second
    assert await w.states.wait_for("oven", lambda s: s.get("current_temperature", 0) >= 110, 2.0)
    warming = await w.ask("HassClimateGetTemperature", ("oven",), source="device")
    assert warming.speech == "The oven is at 110 degrees, heating to 400."
    too_hot = await w.ask("HassOvenSetTemperature", ("oven",), temperature=900)
    assert too_hot.outcome == Outcome.UNRESOLVED and "100 to 500" in too_hot.speech


async def test_room_outside_and_thermostat(w: World) -> None:
    room = await w.ask("HassClimateGetTemperature", ("thermostat",), satellite="tv", source="room")
    assert room.speech == "It's 68 degrees in the living room."
    outside = await w.ask("HassClimateGetTemperature", (), source="outside")
    expected = SimulatedWeather().current("Springfield", START).temperature
    assert outside.speech == f"It's {expected} degrees outside in Springfield."
    assert outside.data == {"temperature": expected, "source": "outside", "location": "Springfield"}
    result = await w.ask("HassClimateSetTemperature", ("thermostat",), temperature=72)
    assert result.speech == "Set the thermostat to 72 degrees."
    assert w.device_state("thermostat")["target_temperature"] == 72


# --- state -------------------------------------------------------------------


async def test_state_of_several_devices_in_one_sentence(w: World) -> None:
    result = await w.ask("HassGetState", ("reading_lamp", "bedside_lamp"))
    assert result.speech == "The reading lamp is on and the bedside lamp is off."
    both = await w.ask("HassGetState", ("bedside_lamp", "desk_lamp"), state="on")
    assert both.speech == "No, the bedside lamp and the desk lamp are off."
    never = await w.ask("HassGetState", ("porch_light",))
    assert never.speech == "I haven't heard from the porch light yet."


# --- media -------------------------------------------------------------------


async def test_hunger_games_is_the_movie_on_a_screen_and_the_audiobook_on_a_speaker(w: World) -> None:
    on_tv = await w.ask("HassMediaSearchAndPlay", ("tv",), satellite="tv",
                        search_query="hunger games", has_screen=True)
    assert on_tv.speech == "Playing The Hunger Games movie on the tv."
    assert on_tv.data["title"] == "The Hunger Games" and on_tv.data["media_class"] == "movie"
    assert w.device_state("tv")["media_class"] == "movie"
    assert w.device_state("tv")["state"] == "playing"

    in_kitchen = await w.ask("HassMediaSearchAndPlay", ("kitchen_speaker",),
                             search_query="the hunger games", has_screen=False)
    assert in_kitchen.speech == "Playing The Hunger Games audiobook on the kitchen speaker."
    assert w.device_state("kitchen_speaker")["media_class"] == "audiobook"

    asked = await w.ask("HassMediaSearchAndPlay", ("tv",), search_query="hunger games",
                        media_class="soundtrack", has_screen=True)
    assert asked.data["media_class"] == "soundtrack"
    assert w.device_state("tv")["media_class"] == "soundtrack"


async def test_unknown_titles_and_movies_without_a_screen(w: World) -> None:
    missing = await w.ask("HassMediaSearchAndPlay", ("kitchen_speaker",), search_query="sesame street")
    assert missing.outcome == Outcome.UNRESOLVED
    assert missing.speech == "I couldn't find sesame street."
    toy = await w.ask("HassMediaSearchAndPlay", ("kitchen_speaker",), search_query="toy story", has_screen=False)
    assert toy.outcome == Outcome.UNRESOLVED and "no screen" in toy.speech
    assert w.device_state("kitchen_speaker")["state"] == "idle"


async def test_pause_resume_next_and_volume(w: World) -> None:
    played = await w.ask("HassMediaSearchAndPlay", ("kitchen_speaker",), search_query="jazz")
    assert played.speech == "Playing jazz on the kitchen speaker."
    assert (await w.ask("HassMediaPause", ("kitchen_speaker",))).speech == "Paused the kitchen speaker."
    assert w.device_state("kitchen_speaker")["state"] == "paused"
    assert (await w.ask("HassMediaUnpause", ("kitchen_speaker",))).speech == \
        "Resuming Jazz on the kitchen speaker."
    assert w.device_state("kitchen_speaker")["state"] == "playing"
    skipped = await w.ask("HassMediaNext", ("kitchen_speaker",))
    assert skipped.outcome == Outcome.SUCCESS
    assert w.device_state("kitchen_speaker")["media_title"] != "Jazz"
    up = await w.ask("HassSetVolumeRelative", ("kitchen_speaker",), volume_step="up")
    assert up.speech == "Turned the kitchen speaker up to 50."
    assert w.device_state("kitchen_speaker")["volume"] == 50
    await w.ask("HassSetVolume", ("kitchen_speaker",), volume_level=95)
    assert (await w.ask("HassSetVolumeRelative", ("kitchen_speaker",), volume_step="up")).data["volume"] == 100
    full = await w.ask("HassSetVolumeRelative", ("kitchen_speaker",), volume_step="up")
    assert full.speech == "The kitchen speaker is already at full volume."
    assert (await w.ask("HassMediaPause", ("tv",))).speech == "Nothing is playing on the tv."


def test_catalog_matching_tolerates_slips_and_names_classes() -> None:
    items, hinted = search("the hungry games audiobook")
    assert {i.media_class for i in items} == {"movie", "audiobook", "soundtrack"}
    assert hinted == "audiobook"
    assert [i.title for i in search("harry potter")[0]] == ["Harry Potter and the Philosopher's Stone"] * 2
    assert search("rock and roll")[0][0].title == "Rock"
    assert search("something nobody has heard of")[0] == []


# --- timers ------------------------------------------------------------------


async def test_timer_on_a_virtual_clock_is_announced_when_done(w: World) -> None:
    started = await w.ask("HassStartTimer", duration_s=600, timer_name="pasta")
    assert started.speech == "Started a pasta timer for 10 minutes."
    await w.clock.advance(60)
    status = await w.ask("HassTimerStatus")
    assert status.speech == "About 9 minutes left on your pasta timer."
    assert w.announced == []
    await w.clock.advance(541)
    assert w.announced == [("kitchen_speaker", "Your pasta timer is done.")]
    assert (await w.ask("HassTimerStatus")).speech == "You don't have any timers running."


async def test_cancelling_timers(w: World) -> None:
    await w.ask("HassStartTimer", duration_s=300, timer_name="eggs")
    await w.ask("HassStartTimer", duration_s=5400)
    which = await w.ask("HassCancelTimer")
    assert which.outcome == Outcome.CLARIFY
    assert "eggs timer" in which.speech and "1 hour and 30 minutes timer" in which.speech
    assert (await w.ask("HassCancelTimer", timer_name="eggs")).speech == "Cancelled your eggs timer."
    await w.clock.advance(6000)
    assert w.announced == [("kitchen_speaker", "Your timer is done.")]


def test_durations_are_spoken_naturally() -> None:
    assert duration(5400) == "1 hour and 30 minutes"
    assert duration(3725) == "1 hour, 2 minutes and 5 seconds"
    assert duration(45) == "45 seconds"
    assert duration(60) == "1 minute"


# --- when things go wrong -----------------------------------------------------


async def test_an_offline_device_gets_the_offline_answer(w: World) -> None:
    await w.fleet.take_offline("floor_lamp")
    assert await w.states.wait_for("floor_lamp", lambda _: w.states.available("floor_lamp") is False, 5.0)
    result = await w.ask("HassTurnOn", ("floor_lamp",))
    assert result.outcome == Outcome.ERROR
    assert result.speech == "The floor lamp is offline right now."
    assert result.actions == ()
    mixed = await w.ask("HassTurnOn", ("ceiling_light", "floor_lamp"))
    assert mixed.speech == "Turned on the living room ceiling light. The floor lamp is offline right now."
    assert w.device_state("ceiling_light")["state"] == "on"


async def test_a_device_that_never_answers_is_unconfirmed(w: World) -> None:
    result = await w.ask("HassTurnOn", ("porch_light",), confirm_timeout_s=0.5)
    assert result.outcome == Outcome.UNCONFIRMED
    assert result.speech == "I asked the porch light to turn on, but it didn't confirm."
    assert [a.confirmed for a in result.actions] == [False]


async def test_a_jammed_lock_says_so(w: World) -> None:
    await w.fleet.set_state("front_door", state="jammed")
    assert await w.states.wait_for("front_door", matches({"state": "jammed"}), 2.0)
    result = await w.ask("HassUnlockDoor", ("front_door",))
    assert result.outcome == Outcome.ERROR
    assert "jammed" in result.speech


async def test_no_broker_means_cant_reach_the_devices(w: World) -> None:
    await w.bus.stop()
    result = await w.ask("HassTurnOn", ("kitchen_light",))
    assert result.outcome == Outcome.ERROR
    assert result.speech == "I can't reach the devices right now."


# --- answers without devices --------------------------------------------------


async def test_time_date_weather_and_nevermind(w: World) -> None:
    assert (await w.ask("HassGetCurrentTime")).speech == "It's 7:05 AM."
    assert (await w.ask("HassGetCurrentDate")).speech == "Today is Sunday, November 22."
    here = await w.ask("HassGetWeather")
    report = SimulatedWeather().current("Springfield", START)
    assert here.speech == f"In Springfield it's {report.temperature} degrees and {report.condition}."
    again = await w.ask("HassGetWeather", location="springfield")
    assert again.speech == here.speech
    tomorrow = await w.ask("HassGetWeather", location="Paris", day="tomorrow")
    assert tomorrow.speech.startswith("Tomorrow in Paris expect ")
    assert (await w.ask("HassNevermind")).speech == "Okay."


def test_simulated_weather_is_deterministic_and_seasonal() -> None:
    weather = SimulatedWeather()
    january = datetime(2026, 1, 15, 14).timestamp()
    july = datetime(2026, 7, 15, 14).timestamp()
    a, b = weather.current("Springfield", january), weather.current("SPRINGFIELD", january)
    assert (a.temperature, a.condition, a.high, a.low) == (b.temperature, b.condition, b.high, b.low)
    winter = [weather.forecast("Springfield", january, d).high for d in range(7)]
    summer = [weather.forecast("Springfield", july, d).high for d in range(7)]
    assert max(winter) < min(summer)
    assert all(-10 < t < 110 for t in winter + summer)
