"""The whole agent in text mode on a real broker with simulated devices and a real SQLite turn log."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from agent.agent import Agent
from agent.broker import parse_broker_url
from agent.clock import SystemClock
from agent.config import AgentConfig
from agent.home import load_home
from agent.nlu.model import NluModel
from agent.trace import Stage, TurnTrace
from agent.turn import Transcript
from devices.fleet import DeviceFleet, running

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "home.yaml"


@pytest.fixture
async def world(broker_url: str, tmp_path: Path, nlu: NluModel) -> AsyncIterator[tuple[Agent, DeviceFleet]]:
    clock = SystemClock()
    async with running(load_home(DEMO), broker_url, clock) as fleet:
        config = AgentConfig(home=DEMO, broker=broker_url, db=f"sqlite:///{tmp_path / 'turns.db'}")
        async with Agent(config, clock=clock, nlu=nlu) as agent:
            yield agent, fleet


async def test_a_spoken_command_changes_the_device_and_is_logged(world: tuple[Agent, DeviceFleet]) -> None:
    agent, fleet = world
    trace = await agent.handle_text("hey home, turn on the kitchen light", user="alice", device="tv")
    assert trace.intent == "HassTurnOn" and trace.outcome == "success"
    assert fleet["kitchen_light"].state["state"] == "on"
    assert "kitchen light" in trace.response.lower()
    assert [r.stage for r in trace.stages] == list(Stage)
    assert all(r.latency_ms >= 0 and r.error is None for r in trace.stages)
    agent.turn_log.flush(5)
    with sa.create_engine(agent.config.db).connect() as db:
        row = db.execute(sa.text("select user, intent, outcome, trace from turns")).one()
    assert row[:3] == ("alice", "HassTurnOn", "success")
    assert json.loads(row[3])["turn_id"] == trace.turn_id


async def test_without_the_wake_phrase_nothing_happens(world: tuple[Agent, DeviceFleet]) -> None:
    agent, fleet = world
    trace = await agent.handle_text("turn on the kitchen light", device="kitchen_speaker")
    assert trace.outcome == "no_wake" and trace.intent is None
    assert fleet["kitchen_light"].state["state"] == "off"


async def test_words_like_the_wake_phrase_neither_wake_it_nor_get_cut_off() -> None:
    from agent.wake.text import TextWake

    assert await TextWake().process("the home team takes the lead") is None
    assert (await TextWake(required=False).process("the home team takes the lead")).remainder == "the home team takes the lead"
    assert (await TextWake().process("hey hom, turn on the light")).remainder == "turn on the light"


@pytest.mark.parametrize("text,answer", [
    ("hey home", "can't help"),
    ("hey home asdf qwer zxcv", "can't help"),
    ("hey home make me a sandwich", "can't help"),
    ("hey home turn on the disco ball", "I don't know a device called disco ball"),
    ("hey home turn on the oboe", "I don't know a device called oboe"),
])
async def test_nonsense_and_unknown_devices_get_a_clear_answer(
    world: tuple[Agent, DeviceFleet], text: str, answer: str
) -> None:
    agent, _ = world
    trace = await agent.handle_text(text, device="kitchen_speaker")
    assert answer.lower() in trace.response.lower()
    assert trace.outcome in ("unsupported", "unresolved")


async def test_heating_a_device_the_home_lacks_does_not_heat_the_oven(world: tuple[Agent, DeviceFleet]) -> None:
    """The oven is implied when a preheat names nothing ("preheat to 350"), not when it names something else."""
    agent, fleet = world
    grill = await agent.handle_text("hey home preheat the grill to 200", device="kitchen_speaker")
    assert "I don't know a device called grill" in grill.response
    assert fleet["oven"].state["state"] == "off"
    oven = await agent.handle_text("hey home preheat to 350", device="kitchen_speaker")
    assert oven.outcome == "success" and fleet["oven"].state["target_temperature"] == 350


@pytest.mark.parametrize("said", ["turn off the front door", "door off", "turn on the garage door"])
async def test_opening_read_into_words_that_never_say_open_asks_first(world: tuple[Agent, DeviceFleet],
                                                                       said: str) -> None:
    """"Turn off the front door" parses as unlocking it; nobody said unlock, so the agent asks."""
    agent, fleet = world
    ask = await agent.handle_text(f"hey home {said}", device="kitchen_speaker")
    assert ask.outcome == "confirm", ask.response
    assert fleet["front_door"].state["state"] == "locked" and fleet["garage_door"].state["state"] == "closed"
    await agent.handle_text("hey home no", device="kitchen_speaker")


async def test_a_guessed_garage_opening_asks_first(world: tuple[Agent, DeviceFleet]) -> None:
    agent, fleet = world
    ask = await agent.handle_text("hey home open the garage dor", device="kitchen_speaker")
    assert ask.outcome == "confirm" and "open the garage door?" in ask.response
    assert fleet["garage_door"].state["state"] == "closed"
    no = await agent.handle_text("hey home no", device="kitchen_speaker")
    assert no.outcome == "success" and fleet["garage_door"].state["state"] == "closed"
    await agent.handle_text("hey home open the garage dor", device="kitchen_speaker")
    yes = await agent.handle_text("hey home yes", device="kitchen_speaker")
    assert yes.outcome == "success"
    assert fleet["garage_door"].state["state"] in ("opening", "open")


async def test_a_clear_garage_command_just_runs(world: tuple[Agent, DeviceFleet]) -> None:
    agent, fleet = world
    trace = await agent.handle_text("hey home open the garage door", device="kitchen_speaker")
    assert trace.outcome == "success"
    assert fleet["garage_door"].state["state"] in ("opening", "open")


async def heard(agent: Agent, transcript: Transcript) -> TurnTrace:
    """A turn from what the recognizer heard (its best hypothesis and alternatives) onward."""
    ctx = agent.new_turn(None, "kitchen_speaker")
    await agent.running_pipeline.run(transcript, ctx, start=Stage.REWRITE)
    agent.end_turn(ctx)
    return ctx.trace


async def test_a_recognizer_alternative_that_names_a_real_device_is_acted_on(
    world: tuple[Agent, DeviceFleet]
) -> None:
    agent, fleet = world
    trace = await heard(agent, Transcript("turn on the tusk limb", 0.7, ("turn on the desk lamp",)))
    assert trace.outcome == "success" and trace.devices == ["desk_lamp"] and trace.slots.get("name") == "desk lamp"
    assert fleet["desk_lamp"].state["state"] == "on"
    nothing = await heard(agent, Transcript("turn on the oval", 0.7, ("turn on the opal",)))
    assert nothing.outcome == "unresolved" and "oval" in nothing.response


async def test_the_oven_heard_only_in_a_recognizer_alternative_is_heated_after_a_yes(
    world: tuple[Agent, DeviceFleet]
) -> None:
    agent, fleet = world
    ask = await heard(agent, Transcript("turn on the oval", 0.7, ("turn on the oven",)))
    assert ask.outcome == "confirm" and ask.response == "Do you want me to heat the oven?"
    assert fleet["oven"].state["state"] == "off"
    done = await agent.handle_text("hey home, yes", device="kitchen_speaker")
    assert done.outcome == "success" and fleet["oven"].state["state"] == "on"


async def test_unsure_speech_never_heats_opens_or_unlocks_without_a_yes(world: tuple[Agent, DeviceFleet]) -> None:
    agent, fleet = world
    for said, device, state in (("preheat the oven to 350", "oven", "off"), ("open the garage door", "garage_door", "closed"),
                                ("unlock the front door", "front_door", "locked")):
        unsure = await heard(agent, Transcript(said, 0.4))
        assert unsure.outcome == "confirm" and fleet[device].state["state"] == state, unsure.response
        await agent.handle_text("hey home, no", device="kitchen_speaker")
    corrected = await heard(agent, Transcript("preheat the oven to 350", 0.5, heard="preheat the often to 350"))
    assert corrected.response == "Do you want me to heat the oven to 350 degrees?"
    sure = await heard(agent, Transcript("preheat the oven to 350", 0.95))
    assert sure.outcome == "success" and fleet["oven"].state["target_temperature"] == 350


async def test_a_value_asked_for_is_taken_from_the_answer(world: tuple[Agent, DeviceFleet]) -> None:
    """"What temperature should I set?" is answered with a number, "How long should the timer be?" with a time."""
    agent, fleet = world
    ask = await agent.handle_text("hey home set the oven to", device="kitchen_speaker")
    assert ask.outcome == "clarify" and ask.response == "What temperature should I set?"
    done = await agent.handle_text("hey home three fifty please", device="kitchen_speaker")
    assert done.outcome == "success" and fleet["oven"].state["target_temperature"] == 350
    await agent.handle_text("hey home set a timer", device="kitchen_speaker")
    timer = await agent.handle_text("hey home an hour and a half", device="kitchen_speaker")
    assert timer.response == "Started a timer for 1 hour and 30 minutes.", timer.response
    await agent.handle_text("hey home set the volume", device="kitchen_speaker")
    other = await agent.handle_text("hey home set the kitchen light to 40", device="kitchen_speaker")
    assert other.intent == "HassLightSet" and fleet["kitchen_light"].state["brightness"] == 40
    alone = await agent.handle_text("hey home 60", device="kitchen_speaker")  # the question was answered by then
    assert alone.outcome != "success"


async def test_an_answer_misheard_is_read_from_the_recognizers_other_readings(world: tuple[Agent, DeviceFleet]) -> None:
    """"seventy" said in answer, heard as "seven tea" with "70." among Whisper's readings, sets 70."""
    agent, fleet = world
    ask = await heard(agent, Transcript("set the thermostat to", 0.9))
    assert ask.response == "What temperature should I set?"
    done = await heard(agent, Transcript("seven tea", 0.6, ("70.", "17.")))
    assert done.outcome == "success" and fleet["thermostat"].state["target_temperature"] == 70, done.response
    await heard(agent, Transcript("set the thermostat to", 0.9))
    run_together = await heard(agent, Transcript("1688.", 0.6, ("68.", "1688,")))  # "sixty eight", as Whisper wrote it
    assert fleet["thermostat"].state["target_temperature"] == 68, run_together.response
    too_hot = await heard(agent, Transcript("set the thermostat to 100", 0.9))
    assert too_hot.response == "The thermostat goes from 50 to 85 degrees."


async def test_a_request_left_unsaid_is_asked_about(world: tuple[Agent, DeviceFleet]) -> None:
    agent, fleet = world
    ask = await agent.handle_text("hey home turn on the", device="kitchen_speaker")
    assert (ask.outcome, ask.response) == ("clarify", "Turn on what?")
    assert fleet["kitchen_light"].state["state"] == "off"
    done = await agent.handle_text("hey home the floor lamp please", device="kitchen_speaker")
    assert done.outcome == "success" and fleet["floor_lamp"].state["state"] == "on"
    heard = await agent.handle_text("hey home turn on heat turn on the", device="kitchen_speaker")  # Whisper's guess
    assert heard.response == "Turn on what?" and heard.record("result").output["actions"] == []
    await agent.handle_text("hey home never mind", device="kitchen_speaker")


async def test_an_unsure_answer_to_the_ovens_question_heats_only_after_a_yes(world: tuple[Agent, DeviceFleet]) -> None:
    agent, fleet = world
    await heard(agent, Transcript("preheat the oven", 0.9))
    unsure = await heard(agent, Transcript("four hundred", 0.4))
    assert unsure.response == "Do you want me to heat the oven to 400 degrees?"
    assert fleet["oven"].state["state"] == "off"


async def test_a_garage_opening_from_a_recognizer_alternative_asks_first(world: tuple[Agent, DeviceFleet]) -> None:
    agent, fleet = world
    ask = await heard(agent, Transcript("open the garbage floor", 0.7, ("open the garage door",)))
    assert ask.outcome == "confirm" and fleet["garage_door"].state["state"] == "closed"


async def test_a_broken_stage_is_answered_logged_and_survived(world: tuple[Agent, DeviceFleet]) -> None:
    agent, fleet = world

    class Broken:
        async def process(self, data: object, ctx: object) -> object:
            raise RuntimeError("resolver exploded")

    working = agent.pipeline.stages.resolve
    agent.pipeline.stages.resolve = Broken()
    trace = await agent.handle_text("hey home turn on the kitchen light", device="tv")
    assert trace.outcome == "error" and "something went wrong" in trace.response
    assert trace.record(Stage.RESOLVE).error == "RuntimeError: resolver exploded"
    agent.pipeline.stages.resolve = working
    again = await agent.handle_text("hey home turn on the kitchen light", device="tv")
    assert again.outcome == "success" and fleet["kitchen_light"].state["state"] == "on"
    agent.turn_log.flush(5)
    with sa.create_engine(agent.config.db).connect() as db:
        assert db.execute(sa.text("select count(*) from turns")).scalar() == 2


async def test_offline_device_is_reported_not_commanded(world: tuple[Agent, DeviceFleet]) -> None:
    agent, fleet = world
    await fleet.take_offline("coffee_maker")
    for _ in range(100):
        if agent.states.available("coffee_maker") is False:
            break
        await asyncio.sleep(0.05)
    trace = await agent.handle_text("hey home turn on the coffee maker", device="kitchen_speaker")
    assert "offline" in trace.response


async def test_agent_events_are_published_per_turn(world: tuple[Agent, DeviceFleet]) -> None:
    """As Home Assistant's assist pipeline: the run's start, each stage's start and end (with its output), an
    error with a code when a stage fails, and the run's end with the outcome, in order."""
    agent, _ = world
    address = parse_broker_url(agent.config.broker)

    async def events_of(text: str) -> list[tuple[str, dict]]:
        seen: list[tuple[str, dict]] = []
        async with address.client(identifier="watcher") as client:
            await client.subscribe("ambient/#")

            async def collect() -> None:
                async for message in client.messages:
                    topic = str(message.topic)
                    if topic.startswith("ambient/bedroom_speaker/"):  # amqtt 0.12 also forwards retained states
                        seen.append((topic.rsplit("/", 1)[1], json.loads(message.payload)))
                    if topic.endswith("/run-end"):
                        return

            watcher = asyncio.create_task(collect())
            await asyncio.sleep(0.1)
            trace = await agent.handle_text(text, device="bedroom_speaker")
            await asyncio.wait_for(watcher, 3)
        assert [(e.name, e.data) for e in trace.events] == [  # the trace holds what was published
            (name, {k: v for k, v in payload.items() if k not in ("turn_id", "user")}) for name, payload in seen]
        return seen

    seen = await events_of("hey home what time is it")
    assert [name for name, _ in seen] == [
        "run-start", "wake-start", "wake", "asr-start", "transcript", "rewrite-start", "nlu-start", "intent",
        "resolve-start", "result-start", "result", "tts-start", "speaking", "run-end"]
    assert len({payload["turn_id"] for _, payload in seen}) == 1
    assert seen[7][1]["nlu"]["name"] == "HassGetCurrentTime" and seen[-1][1]["outcome"] == "success"

    class Broken:
        async def process(self, data: object, ctx: object) -> object:
            raise RuntimeError("resolver exploded")

    working, agent.pipeline.stages.resolve = agent.pipeline.stages.resolve, Broken()
    try:
        failed = dict(await events_of("hey home what time is it"))
    finally:
        agent.pipeline.stages.resolve = working
    assert failed["error"] | {"turn_id": None, "user": None} == {
        "stage": "resolve", "code": "stage-failed", "message": "RuntimeError: resolver exploded",
        "turn_id": None, "user": None}
    assert failed["run-end"]["outcome"] == "error" and "result-start" not in failed


async def test_a_logged_turn_is_replayed_from_its_events(world: tuple[Agent, DeviceFleet]) -> None:
    """The turn log's trace carries the turn's events; replaying them understands the same request for the same
    satellite, and changes nothing unless asked to act."""
    from agent.log.reader import find_turn
    from agent.replay import NothingToReplay, replay

    agent, fleet = world
    done = await agent.handle_text("hey home turn on the light", user="alice", device="kitchen_speaker")
    ignored = await agent.handle_text("turn on the light", user="alice", device="kitchen_speaker")
    agent.turn_log.flush(5)
    logged = find_turn(agent.config.db, done.turn_id[:8])
    assert logged is not None and [e.name for e in logged.events][:3] == ["run-start", "wake-start", "wake"]
    await agent.handle_text("hey home turn off the kitchen light", device="kitchen_speaker")

    again = await replay(agent, logged)
    assert (again.intent, again.devices, again.outcome) == ("HassTurnOn", ["kitchen_light"], None)
    assert again.heard == "turn on the light" and fleet["kitchen_light"].state["state"] == "off"
    acted = await replay(agent, logged, Stage.RESULT)
    assert acted.outcome == "success" and fleet["kitchen_light"].state["state"] == "on"
    assert (await replay(agent, TurnTrace.from_dict(ignored.to_dict()))).outcome == "no_wake"
    with pytest.raises(NothingToReplay, match="no request"):  # logged before turns kept their events
        await replay(agent, TurnTrace("alice", "kitchen_speaker", "kitchen", 0.0, text="turn on the light"))


async def test_unwritable_database_loses_no_turn(
    amqtt_url: str, tmp_path: Path, nlu: NluModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the spool of a database in a missing folder goes to the working directory
    clock = SystemClock()
    bad_db = f"sqlite:///{tmp_path / 'no_such_dir' / 'turns.db'}"
    async with running(load_home(DEMO), amqtt_url, clock):
        config = AgentConfig(home=DEMO, broker=amqtt_url, db=bad_db)
        async with Agent(config, clock=clock, nlu=nlu) as agent:
            for _ in range(3):
                trace = await agent.handle_text("hey home turn on the kitchen light", device="tv")
                assert trace.outcome == "success"
            agent.turn_log.flush(5)
            spool = Path(agent.turn_log.spool_path)
    lines = [json.loads(line) for line in spool.read_text().splitlines()]
    spooled = [line["data"] for line in lines if line["kind"] == "turn"]
    assert len(spooled) == 3 and all(t["outcome"] == "success" for t in spooled)


async def test_a_yes_to_opening_must_be_clear(world: tuple[Agent, DeviceFleet]) -> None:
    """Found by hypothesis: "garage door on" asked to open, then "on it" (read as a yes at 0.4) opened it."""
    agent, fleet = world
    ask = await agent.handle_text("hey home, garage door on", device="kitchen_speaker")
    assert ask.outcome == "confirm" and fleet["garage_door"].state["state"] == "closed"
    unclear = await agent.handle_text("hey home, on it", device="kitchen_speaker")
    assert unclear.outcome == "confirm" and unclear.response.startswith("Sorry, was that a yes?")
    assert fleet["garage_door"].state["state"] == "closed"
    mumbled = await heard(agent, Transcript("yes", 0.3))
    assert mumbled.outcome == "confirm" and fleet["garage_door"].state["state"] == "closed"
    done = await agent.handle_text("hey home, yes", device="kitchen_speaker")
    assert done.outcome == "success" and fleet["garage_door"].state["state"] in ("opening", "open")


async def test_services_are_the_configured_ones_or_are_said_to_be_missing(amqtt_url: str, nlu: NluModel) -> None:
    """Weather, sports results and restaurants come from what the configuration chooses; without one, the question
    is answered as one the agent cannot serve here."""
    from skills.restaurants import NO_LISTING
    from skills.sports import NO_SCORES
    from skills.weather import NO_WEATHER

    clock = SystemClock()
    async with running(load_home(DEMO), amqtt_url, clock):
        for service, answered in (("simulated", "success"), ("none", "unsupported")):
            config = AgentConfig(home=DEMO, broker=amqtt_url, db=None, require_wake=False, weather=service,
                                 sports=service, restaurants=service)
            async with Agent(config, clock=clock, nlu=nlu) as agent:
                weather = await agent.handle_text("what's the weather like today", end=Stage.RESULT)
                outside = await agent.handle_text("how cold is it outside", end=Stage.RESULT)
                eat = await agent.handle_text("find me a good restaurant nearby", end=Stage.RESULT)
                team = await agent.handle_text("how did my team do", end=Stage.RESULT)
            assert weather.outcome == outside.outcome == eat.outcome == answered, (weather.response, outside.response)
            assert (weather.response == NO_WEATHER) == (eat.response == NO_LISTING) == (service == "none")
            assert (team.response == NO_SCORES) == (service == "none"), team.response
