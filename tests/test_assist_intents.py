"""Home Assistant's intents, said in Home Assistant's own sentences (hassil, home-assistant-intents) and answered
through a real broker with the simulated devices: state questions that count and list, floors, levels of
covers, valves and fans, scenes and scripts, lists, colour temperature, mute and previous, timers by name and
length, and commands for later."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from agent.agent import Agent
from agent.clock import VirtualClock
from agent.config import AgentConfig
from agent.home import load_home
from agent.nlu.model import NluModel
from agent.trace import Stage, TurnTrace
from agent.turn import Transcript
from devices.fleet import DeviceFleet, running

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "home.yaml"


class Home:
    """The demo home's devices and an agent on a virtual clock, spoken to at the kitchen speaker."""

    def __init__(self, agent: Agent, fleet: DeviceFleet, clock: VirtualClock) -> None:
        self.agent, self.fleet, self.clock = agent, fleet, clock

    async def say(self, text: str, device: str = "kitchen_speaker") -> TurnTrace:
        return await self.agent.handle_text(text, user="alice", device=device, end=Stage.RESULT)

    async def settled(self, device: str, **wanted: object) -> dict[str, object]:
        """The device's own state once it shows `wanted` (covers travel on the clock)."""
        for _ in range(40):
            state = self.fleet[device].state
            if all(state.get(k) == v for k, v in wanted.items()):
                return dict(state)
            await self.clock.advance(1)
            await asyncio.sleep(0.01)
        return dict(self.fleet[device].state)


@pytest.fixture
async def home(amqtt_url: str, nlu: NluModel) -> AsyncIterator[Home]:
    clock = VirtualClock()
    async with running(load_home(DEMO), amqtt_url, clock) as fleet:
        config = AgentConfig(home=DEMO, broker=amqtt_url, db=None, require_wake=False, tts="null")
        async with Agent(config, clock=clock, nlu=nlu) as agent:
            yield Home(agent, fleet, clock)


async def test_state_questions_count_list_and_ask_about_everything(home: Home) -> None:
    assert (await home.say("how many lights are on")).response == "No lights are on."
    await home.say("turn on the kitchen light")
    await home.say("turn on the desk lamp")
    counted = await home.say("how many lights are on")
    assert counted.intent == "HassGetState"
    assert counted.response == "Two lights are on: the kitchen light and the desk lamp."
    assert (await home.say("are any of the upstairs lights on")).response == "Yes, the desk lamp is on."
    assert (await home.say("are any lights on downstairs")).response == "Yes, the kitchen light is on."
    assert (await home.say("which doors are unlocked")).response == "No locks are unlocked."
    await home.say("unlock the front door")  # typed and clear: no question
    assert (await home.say("which doors are unlocked")).response == "The front door is unlocked."
    assert (await home.say("is anyone home")).response == "Yes, Alice and Bob are home."
    await home.fleet.set_state("bob_presence", state="not_home")
    await asyncio.sleep(0.2)
    assert (await home.say("is everyone home")).response == "No, Bob is not home."
    assert (await home.say("where is Bob")).response == "Bob is away."
    assert (await home.say("what is the outdoor humidity")).response == "The outdoor humidity is reading 40 percent."


async def test_floors_covers_valves_and_fans(home: Home) -> None:
    off = await home.say("turn off the upstairs lights")
    assert off.intent == "HassTurnOff" and set(off.devices) == {"reading_lamp", "bedside_lamp", "desk_lamp"}
    blinds = await home.say("set the living room blinds to 40 percent")
    assert blinds.intent == "HassSetPosition" and blinds.devices == ["living_room_blinds"]
    assert (await home.settled("living_room_blinds", state="open"))["position"] == 40
    fan = await home.say("set the ceiling fan speed to 30 percent")
    assert fan.intent == "HassFanSetSpeed" and home.fleet["ceiling_fan"].state == {"state": "on", "percentage": 30}
    water = await home.say("open the garden sprinkler")
    assert water.outcome == "success" and home.fleet["garden_sprinkler"].state["state"] in ("opening", "open")
    garage = await home.say("set the garage door position to 50")
    assert garage.outcome == "confirm" and home.fleet["garage_door"].state["state"] == "closed"


async def test_scenes_scripts_and_lists(home: Home) -> None:
    scene = await home.say("activate movie night")
    assert scene.outcome == "success" and home.fleet["movie_night"].state["activated"] is not None
    assert (await home.say("run the bedtime routine")).response == "Started the bedtime routine."
    assert (await home.say("add oat milk to my shopping list")).response == "Added oat milk to your shopping list."
    assert (await home.say("add oat milk to my shopping list")).response == \
        "Oat milk is already on your shopping list."
    assert home.fleet["shopping_list"].state["items"] == ["oat milk"]
    assert (await home.say("add mow the lawn to chores")).response == "Added mow the lawn to your chores."
    assert (await home.say("check off mow the lawn on chores")).intent == "HassListCompleteItem"
    assert home.fleet["chores"].state == {"items": [], "done": ["mow the lawn"]}
    added = await home.say("add bread to my shopping list")
    assert added.intent == "HassShoppingListAddItem" and home.fleet["shopping_list"].state["items"] == ["oat milk", "bread"]
    assert (await home.say("check off oat milk on my shopping list")).intent == "HassShoppingListCompleteItem"
    removed = await home.say("take bread off the shopping list")
    assert removed.intent == "HassListRemoveItem" and removed.outcome == "success"
    assert home.fleet["shopping_list"].state["items"] == []
    assert (await home.say("delete bread from chores")).response == "Bread isn't on your chores."


async def test_colour_temperature_mute_and_previous(home: Home) -> None:
    warm = await home.say("set the kitchen light color temperature to 2200 kelvin")
    assert warm.intent == "HassLightSet" and home.fleet["kitchen_light"].state["color_temp"] == 2200
    await home.say("play some jazz")
    muted = await home.say("mute")
    assert muted.intent == "HassMediaPlayerMute" and muted.response == "Muted the kitchen speaker."
    assert home.fleet["kitchen_speaker"].state["muted"] is True
    assert (await home.say("unmute the kitchen speaker")).intent == "HassMediaPlayerUnmute"
    assert home.fleet["kitchen_speaker"].state["muted"] is False
    await home.say("next track")
    title = home.fleet["kitchen_speaker"].state["media_title"]
    assert (await home.say("previous track")).intent == "HassMediaPrevious"
    assert home.fleet["kitchen_speaker"].state["media_title"] != title
    louder = await home.say("turn up the volume by 20")
    assert louder.intent == "HassSetVolumeRelative" and home.fleet["kitchen_speaker"].state["volume"] == 60
    quieter = await home.say("turn it down")
    assert quieter.intent == "HassSetVolumeRelative" and home.fleet["kitchen_speaker"].state["volume"] < 60


async def test_timers_by_name_and_length_changed_paused_and_cancelled(home: Home) -> None:
    await home.say("set a pasta timer for 5 minutes")
    await home.say("set a timer for 20 minutes")
    added = await home.say("add 2 minutes to the pasta timer")
    assert added.intent == "HassIncreaseTimer" and added.response.startswith("Added 2 minutes to your pasta timer")
    paused = await home.say("pause the pasta timer")
    assert paused.intent == "HassPauseTimer" and paused.response == "Paused your pasta timer."
    await home.clock.advance(120)
    assert "7 minutes left on your pasta timer (paused)" in (await home.say("how much time is left on the pasta timer")).response
    assert (await home.say("resume the pasta timer")).intent == "HassUnpauseTimer"
    cancelled = await home.say("cancel the 20 minute timer")
    assert cancelled.intent == "HassCancelTimer" and cancelled.response == "Cancelled your timer."
    await home.say("set a timer for 3 minutes")
    everything = await home.say("cancel all timers")
    assert everything.intent == "HassCancelAllTimers" and everything.response == "Cancelled all 2 timers."


async def test_a_command_for_later_is_carried_out_when_its_time_comes(home: Home) -> None:
    await home.say("turn on the kitchen light")
    later = await home.say("turn off the kitchen light in 2 minutes")
    assert later.intent == "HassStartTimer" and later.response == "In 2 minutes I'll turn off the kitchen light."
    await home.clock.advance(60)
    await asyncio.sleep(0.2)
    assert home.fleet["kitchen_light"].state["state"] == "on"
    await home.clock.advance(61)
    for _ in range(50):
        if home.fleet["kitchen_light"].state["state"] == "off":
            break
        await asyncio.sleep(0.05)
    assert home.fleet["kitchen_light"].state["state"] == "off"


def test_parse_as_heard_in_a_satellites_room() -> None:
    def parse(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "agent", "parse", *args], capture_output=True, text=True,
                              timeout=300)

    done = parse("--device", "bedroom_speaker", "turn on the lights", "which doors are unlocked", "bedroom 40%")
    assert done.returncode == 0, done.stderr[-2000:]
    lights, doors, dim = (json.loads(line) for line in done.stdout.splitlines())
    assert lights["intent"] == "HassTurnOn" and lights["slots"]["area"] == "bedroom"
    assert doors["slots"] == {"state": "unlocked", "domain": "lock", "query": "which"}  # the whole home's
    assert dim["intent"] == "HassLightSet" and dim["slots"]["brightness"] == 40
    bad = parse("--device", "toaster", "turn on the lights")
    assert bad.returncode == 2 and "toaster" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


async def test_a_command_for_later_heard_unsure_never_unlocks_by_itself(home: Home) -> None:
    ctx = home.agent.new_turn("alice", "kitchen_speaker", text="unlock the front door in 1 minute")
    await home.agent.running_pipeline.run(Transcript("unlock the front door in 1 minute", 0.4), ctx,
                                          start=Stage.REWRITE, end=Stage.RESULT)
    home.agent.end_turn(ctx)
    assert ctx.trace.intent == "HassStartTimer"
    await home.clock.advance(61)
    await asyncio.sleep(0.5)
    assert home.fleet["front_door"].state["state"] == "locked"  # it asked an empty room instead


async def test_toggle_broadcast_a_room_vacuumed_time_taken_off_and_an_item_removed(home: Home) -> None:
    assert (await home.say("toggle the desk lamp")).response == "Turned on the desk lamp."
    assert (await home.say("toggle the desk lamp")).response == "Turned off the desk lamp."
    guarded = await home.say("toggle the front door")
    assert guarded.intent == "HassToggle" and home.fleet["front_door"].state["state"] == "locked"
    told = await home.say("tell everyone dinner is ready")
    assert told.intent == "HassBroadcast" and told.response == "Told everyone: dinner is ready."
    cleaning = await home.say("vacuum the kitchen")
    assert cleaning.intent == "HassVacuumCleanArea"
    assert home.fleet["vacuum"].state == {"state": "cleaning", "cleaning_area": "kitchen"}
    await home.say("set a pizza timer for 10 minutes")
    shorter = await home.say("take 3 minutes off the pizza timer")
    assert shorter.intent == "HassDecreaseTimer" and "7 minutes left" in shorter.response
    await home.say("add eggs to my shopping list")
    assert (await home.say("remove eggs from my shopping list")).outcome == "success"
    assert home.fleet["shopping_list"].state["items"] == []
