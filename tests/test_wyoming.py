"""The agent as a Wyoming server, driven by the real `wyoming` client library as Home Assistant drives it:
describe, speech to text, wake word detection in a stream, whole turns that switch devices through a real
broker, intent recognition, text to speech; several clients at once, clients that vanish, events that cannot
be read; and `ambient serve --wyoming` as a process."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
import yaml
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event, Eventable
from wyoming.handle import Handled, NotHandled
from wyoming.info import Describe, Info
from wyoming.intent import Intent, NotRecognized, Recognize
from wyoming.tts import Synthesize, SynthesizeVoice
from wyoming.wake import Detect, Detection, NotDetected

from agent.agent import Agent
from agent.audio.frames import SAMPLE_RATE
from agent.broker import free_port
from agent.clock import SystemClock
from agent.config import AgentConfig
from agent.home import load_home
from agent.nlu.model import NluModel
from agent.wyoming.server import WyomingServer, server_uri, services_for
from devices.fleet import DeviceFleet, running
from simulator.speech import PIPER, Voice, silence, synthesize

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "home.yaml"
KITCHEN_SATELLITE = "assist_satellite.kitchen_voice"
"""What Home Assistant calls the kitchen's voice satellite; the test home lists it for the kitchen speaker."""
CHUNK = 1024
"""Samples per audio chunk, as Home Assistant sends them."""


@pytest.fixture
def home_file(tmp_path: Path) -> Path:
    """The demo home, its kitchen speaker known to Home Assistant as `KITCHEN_SATELLITE`."""
    data = yaml.safe_load(DEMO.read_text())
    for device in data["devices"]:
        if device["id"] == "kitchen_speaker":
            device["external_ids"] = [KITCHEN_SATELLITE]
    path = tmp_path / "home.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture
async def served(amqtt_url: str, tmp_path: Path, nlu: NluModel, home_file: Path
                 ) -> AsyncIterator[tuple[int, Agent, DeviceFleet]]:
    """A Wyoming server on a free port, its agent on a real broker with the home's simulated devices."""
    clock = SystemClock()
    async with running(load_home(home_file), amqtt_url, clock) as fleet:
        config = AgentConfig(home=home_file, broker=amqtt_url, db=f"sqlite:///{tmp_path / 'turns.db'}", tts="piper")
        async with Agent(config, clock=clock, nlu=nlu) as agent:
            port = free_port()
            server = WyomingServer(await asyncio.to_thread(services_for, agent, "okay_nabu"), f"tcp://127.0.0.1:{port}")
            await server.start()
            try:
                yield port, agent, fleet
            finally:
                await server.stop()


async def ask(port: int, *events: Eventable, until: tuple[str, ...] = ()) -> list[Event]:
    """Send `events` on a new connection, as Home Assistant does for each request, and read the answer: events
    up to one whose type is not audio (or is in `until`)."""
    async with AsyncTcpClient("127.0.0.1", port) as client:
        for event in events:
            await client.write_event(event.event())
        answer: list[Event] = []
        while True:
            event = await asyncio.wait_for(client.read_event(), 60)
            assert event is not None, f"connection closed after {[e.type for e in answer]}"
            answer.append(event)
            if event.type in until or not event.type.startswith("audio"):
                return answer


def spoken(*parts: str | float, voice: str = PIPER) -> bytes:
    """16 kHz mono int16 speech, with seconds of silence where numbers are given."""
    return np.concatenate([silence(p) if isinstance(p, float) else synthesize(p, Voice(voice)) for p in parts]).tobytes()


def chunks(pcm: bytes, rate: int = SAMPLE_RATE) -> list[AudioChunk]:
    step = CHUNK * 2
    return [AudioChunk(rate, 2, 1, pcm[i:i + step], timestamp=i // 2 * 1000 // rate) for i in range(0, len(pcm), step)]


async def transcribe(port: int, pcm: bytes, rate: int = SAMPLE_RATE, names: list[str] | None = None) -> str:
    answer = await ask(port, Transcribe(language="en", transcript_names=names), AudioStart(rate, 2, 1),
                       *chunks(pcm, rate), AudioStop())
    assert Transcript.is_type(answer[-1].type), answer[-1]
    return Transcript.from_event(answer[-1]).text


async def handle(port: int, text: str, satellite: str = KITCHEN_SATELLITE) -> Handled | NotHandled:
    (answer,) = await ask(port, Transcript(text, context={"satellite_id": satellite, "conversation_id": "c1"}))
    return Handled.from_event(answer) if Handled.is_type(answer.type) else NotHandled.from_event(answer)


async def test_describe_names_every_service_with_its_models_and_languages(served: tuple[int, Agent, DeviceFleet]
                                                                          ) -> None:
    port, _, _ = served
    (answer,) = await ask(port, Describe())
    info = Info.from_event(answer)
    assert [m.name for m in info.asr[0].models] == ["tiny.en"] and info.asr[0].models[0].languages == ["en"]
    assert {"okay_nabu", "hey_jarvis", "hey_rhasspy", "hey_home"} <= {m.name for m in info.wake[0].models}
    assert info.handle[0].supports_home_control and info.handle[0].models[0].languages == ["en"]
    assert info.intent[0].models[0].languages == ["en"]
    assert [v.name for v in info.tts[0].voices][:2] == ["en_US-joe-medium", "en-us"]


async def test_names_home_assistant_asks_to_favour_are_written_as_it_spells_them(served: tuple[int, Agent, DeviceFleet]
                                                                                 ) -> None:
    """Home Assistant sends the names of what it exposes (`transcript_names`); a name our home lacks is heard."""
    port, _, _ = served
    pcm = spoken(0.3, "turn on Zoltan's lamp", 0.5)
    assert await transcribe(port, pcm, names=["Zoltan's lamp"]) == "turn on zoltan's lamp"
    assert await transcribe(port, pcm) != "turn on zoltan's lamp"  # "zolton's lap" without the name


async def test_a_spoken_command_is_transcribed_at_any_sample_rate(served: tuple[int, Agent, DeviceFleet]) -> None:
    port, _, _ = served
    pcm = spoken(0.3, "turn on the kitchen light", 0.5)
    assert await transcribe(port, pcm) == "turn on the kitchen light"
    at_8k = np.interp(np.arange(0, len(pcm) // 2, 2), np.arange(len(pcm) // 2), np.frombuffer(pcm, np.int16))
    assert await transcribe(port, at_8k.astype(np.int16).tobytes(), rate=8000) == "turn on the kitchen light"
    assert await transcribe(port, silence(2.0).tobytes()) == ""


async def test_the_wake_word_is_detected_in_a_stream_and_not_in_talk(served: tuple[int, Agent, DeviceFleet]) -> None:
    port, _, _ = served
    pcm = spoken(1.0, "okay nabu, what time is it", 1.0)
    answer = await ask(port, Detect(names=["okay_nabu"]), AudioStart(SAMPLE_RATE, 2, 1), *chunks(pcm))
    assert Detection.is_type(answer[-1].type)
    detection = Detection.from_event(answer[-1])
    assert detection.name == "okay_nabu" and detection.timestamp is not None and 1000 < detection.timestamp < 2600
    answer = await ask(port, Detect(names=["okay_nabu"]), AudioStart(SAMPLE_RATE, 2, 1),
                       *chunks(spoken(0.5, "what time is it", 0.5)), AudioStop())
    assert [e.type for e in answer] == ["not-detected"] and NotDetected.is_type(answer[0].type)


async def test_a_wake_word_model_file_of_ones_own_is_served_under_its_name(served: tuple[int, Agent, DeviceFleet],
                                                                          tmp_path: Path) -> None:
    import shutil

    import pymicro_wakeword

    models = Path(pymicro_wakeword.__file__).parent / "models"
    shutil.copy(models / "hey_jarvis.tflite", tmp_path)
    own = tmp_path / "our_jarvis.json"
    own.write_text((models / "hey_jarvis.json").read_text())  # its model file is named relative to it
    _, agent, _ = served
    port = free_port()
    server = WyomingServer(await asyncio.to_thread(services_for, agent, str(own)), f"tcp://127.0.0.1:{port}")
    await server.start()
    try:
        info = Info.from_event((await ask(port, Describe()))[0])
        assert "our_jarvis" in {m.name for m in info.wake[0].models}
        answer = await ask(port, Detect(), AudioStart(SAMPLE_RATE, 2, 1), *chunks(spoken(1.0, "hey jarvis", 1.0)))
        assert Detection.from_event(answer[-1]).name == "our_jarvis"
    finally:
        await server.stop()
    with pytest.raises(ValueError, match="no wake word model file"):
        services_for(agent, str(tmp_path / "gone.json"))


async def test_a_transcript_is_a_whole_turn_that_switches_the_device_and_is_logged(
        served: tuple[int, Agent, DeviceFleet]) -> None:
    port, agent, fleet = served
    answer = await handle(port, "turn on the lights")
    assert isinstance(answer, Handled) and answer.text == "Turned on the kitchen light."  # the satellite's room
    assert fleet["kitchen_light"].state["state"] == "on" and fleet["ceiling_light"].state["state"] == "off"
    assert isinstance(await handle(port, "turn on the disco ball"), NotHandled)
    assert agent.turn_log is not None
    agent.turn_log.flush(5)
    with sa.create_engine(agent.config.db or "").connect() as db:
        rows = db.execute(sa.text("select device, intent, outcome from turns order by started_at")).all()
    assert [tuple(r) for r in rows] == [("kitchen_speaker", "HassTurnOn", "success"),
                                         ("kitchen_speaker", "HassTurnOn", "unresolved")]


async def test_each_satellite_keeps_its_own_follow_ups_and_confirmations(served: tuple[int, Agent, DeviceFleet]
                                                                         ) -> None:
    port, _, fleet = served
    await handle(port, "turn on the bedside lamp")
    elsewhere = await handle(port, "turn it off", satellite="assist_satellite.garage_voice")
    assert fleet["bedside_lamp"].state["state"] == "on", elsewhere.text  # another satellite's "it" is not ours
    assert isinstance(await handle(port, "turn it off"), Handled)
    assert fleet["bedside_lamp"].state["state"] == "off"
    asked = await handle(port, "turn off the front door", satellite="assist_satellite.garage_voice")  # a guess
    assert asked.text == "Do you want me to unlock the front door?"
    await handle(port, "yes")  # the kitchen was asked nothing
    assert fleet["front_door"].state["state"] == "locked"
    await handle(port, "yes", satellite="assist_satellite.garage_voice")
    assert fleet["front_door"].state["state"] == "unlocked"


async def test_words_another_recognizer_heard_ask_before_unlocking_and_heating(
        served: tuple[int, Agent, DeviceFleet]) -> None:
    port, _, fleet = served
    assert isinstance(await handle(port, "turn on the kitchen light"), Handled)  # nothing risky: done at once
    assert fleet["kitchen_light"].state["state"] == "on"
    asked = await handle(port, "unlock the front door")  # Home Assistant's own speech-to-text may have misheard
    assert asked.text == "Do you want me to unlock the front door?"
    assert fleet["front_door"].state["state"] == "locked"
    await handle(port, "yes")  # the answer to the question is taken as said
    assert fleet["front_door"].state["state"] == "unlocked"
    asked = await handle(port, "preheat the oven to 200")
    assert asked.text.startswith("Do you want me to heat the oven")
    await handle(port, "no")
    assert fleet["oven"].state["state"] == "off"


async def test_words_heard_by_our_recognizer_keep_their_confidence_in_the_turn(
        served: tuple[int, Agent, DeviceFleet]) -> None:
    port, agent, _ = served
    text = await transcribe(port, spoken(0.3, "turn on the floor lamp", 0.5))
    assert text == "turn on the floor lamp"
    await handle(port, text)
    last = agent.dialogues["kitchen_speaker"].last_turn
    assert last is not None
    rewrite = next(r for r in last.stages if r.stage == "rewrite")
    assert rewrite.input["engine"] == "whisper" and rewrite.input["confidence"] < 1.0


async def test_an_answer_misheard_by_our_recognizer_is_read_from_its_other_readings(
        served: tuple[int, Agent, DeviceFleet]) -> None:
    """espeak-ng's "sixty seven" is written "sixty salmon", with "sixty seven" among Whisper's readings. Home
    Assistant does not say whose audio it is: the satellite's open question is known by the words."""
    port, _, fleet = served
    answer = spoken(0.3, "sixty seven", 0.5, voice="en-us")
    assert await transcribe(port, answer) == "sixty salmon"  # asked nothing: corrected, found no command
    asked = await handle(port, "set the thermostat to")
    assert asked.text == "What temperature should I set?"
    heard = await transcribe(port, answer)
    assert heard == "sixty salmon"  # what Home Assistant is told, and sends back as the request
    done = await handle(port, heard)
    assert fleet["thermostat"].state["target_temperature"] == 67, done.text


async def test_a_new_request_during_the_answer_is_a_barge_in_and_a_retry_is_a_rephrase(
        served: tuple[int, Agent, DeviceFleet]) -> None:
    port, agent, _ = served
    await handle(port, "what's the weather like in paris tomorrow")
    interrupted = agent.dialogues["kitchen_speaker"].last_turn
    await handle(port, "stop")  # while the forecast is still being said
    assert interrupted is not None and interrupted.barged_in
    await handle(port, "turn on the kichen lite", satellite="assist_satellite.den_voice")
    failed = agent.dialogues["assist_satellite.den_voice"].last_turn
    await handle(port, "turn on the kitchen light", satellite="assist_satellite.den_voice")
    retry = agent.dialogues["assist_satellite.den_voice"].last_turn
    assert failed is not None and retry is not None and retry.rephrase_of == failed.turn_id
    assert failed.barged_in  # said at once, over the answer: both signals
    assert not interrupted.rephrase_of and retry.barged_in is False


async def test_recognize_gives_home_assistant_intents_and_slots(served: tuple[int, Agent, DeviceFleet]) -> None:
    port, _, fleet = served
    (answer,) = await ask(port, Recognize("lock the front door"))
    intent = Intent.from_event(answer)
    assert intent.name == "HassTurnOn" and {(e.name, e.value) for e in intent.entities} == {
        ("name", "front door"), ("domain", "lock")}
    (answer,) = await ask(port, Recognize("set a timer for ten minutes"))
    assert Intent.from_event(answer).name == "HassStartTimer"
    assert ("minutes", 10) in {(e.name, e.value) for e in Intent.from_event(answer).entities}
    (answer,) = await ask(port, Recognize("make me a sandwich"))
    assert NotRecognized.is_type(answer.type)
    assert fleet["front_door"].state["state"] == "locked"  # recognizing does nothing


async def test_synthesized_answers_are_audio_our_recognizer_understands(served: tuple[int, Agent, DeviceFleet]
                                                                        ) -> None:
    port, _, _ = served
    answer = await ask(port, Synthesize("The kitchen light is on."), until=("audio-stop",))
    assert answer[0].type == "audio-start" and answer[-1].type == "audio-stop"
    rate = AudioStart.from_event(answer[0]).rate
    pcm = b"".join(AudioChunk.from_event(e).audio for e in answer[1:-1])
    assert 0.8 < len(pcm) / 2 / rate < 4.0
    assert await transcribe(port, pcm, rate=rate) == "the kitchen light is on"
    espeak = await ask(port, Synthesize("hello", voice=SynthesizeVoice(name="en-us")), until=("audio-stop",))
    assert len(espeak) > 2
    (refused,) = await ask(port, Synthesize("hello", voice=SynthesizeVoice(name="klingon")))
    assert Error.from_event(refused).code == "unknown-voice"


async def test_two_clients_at_once_are_both_served(served: tuple[int, Agent, DeviceFleet]) -> None:
    port, _, fleet = served
    stream = chunks(spoken(1.0, "hey jarvis", 1.0))

    async def slow_wake() -> list[Event]:
        async with AsyncTcpClient("127.0.0.1", port) as client:
            await client.write_event(Detect(names=["hey_jarvis"]).event())
            await client.write_event(AudioStart(SAMPLE_RATE, 2, 1).event())
            for chunk in stream:
                await client.write_event(chunk.event())
                await asyncio.sleep(0.005)
            await client.write_event(AudioStop().event())
            events = []
            while (event := await asyncio.wait_for(client.read_event(), 30)) is not None:
                events.append(event)
                if event.type in ("not-detected", "detection"):
                    return events
            return events

    wake, turn = await asyncio.gather(slow_wake(), handle(port, "turn on the coffee maker"))
    assert isinstance(turn, Handled) and fleet["coffee_maker"].state["state"] == "on"
    assert Detection.is_type(wake[0].type) and Detection.from_event(wake[0]).name == "hey_jarvis"


async def test_a_client_killed_mid_stream_harms_no_one(served: tuple[int, Agent, DeviceFleet]) -> None:
    port, _, _ = served
    for cut in (b"", b'{"type": "audio-chunk", "data": {"rate": 16000, "width": 2, "channels": 1}, '
                     b'"payload_length": 64000}\n' + b"\0" * 1000):
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for event in (Transcribe(), AudioStart(SAMPLE_RATE, 2, 1), *chunks(spoken(0.2, "turn on the"))[:5]):
            writer.write(_wire(event))
        writer.write(cut)
        await writer.drain()
        writer.transport.abort()  # gone, mid-request
    assert await transcribe(port, spoken(0.3, "turn on the kitchen light", 0.5)) == "turn on the kitchen light"


async def test_malformed_events_get_an_error_and_the_connection_goes_on(served: tuple[int, Agent, DeviceFleet]) -> None:
    port, _, _ = served
    reader, writer = await asyncio.open_connection("127.0.0.1", port)

    async def send(raw: bytes) -> dict:
        writer.write(raw)
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), 30)
        head = json.loads(line)
        if head.get("data_length"):
            head["data"] = {**head.get("data", {}), **json.loads(await reader.readexactly(head["data_length"]))}
        if head.get("payload_length"):
            await reader.readexactly(head["payload_length"])
        return head

    missing_text = await send(b'{"type": "recognize", "data": {}}\n')
    assert missing_text["type"] == "error" and missing_text["data"]["code"] == "malformed-event"
    unknown_word = await send(_wire(Detect(names=["hey_computer"])) + _wire(AudioStart(SAMPLE_RATE, 2, 1)))
    assert unknown_word["data"]["code"] == "unknown-wake-word" and "okay_nabu" in unknown_word["data"]["text"]
    writer.write(_wire(AudioStop()))
    odd = await send(_wire(Transcribe()) + _wire(AudioStart(SAMPLE_RATE, 2, 1)) + _wire(AudioChunk(SAMPLE_RATE, 2, 1, b"\1\2\3")))
    assert odd["data"]["code"] == "malformed-event" and "cannot be read as audio" in odd["data"]["text"]
    assert (await send(_wire(Describe())))["type"] == "info"  # the same connection still answers
    writer.write(b"this is not json\n")
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 10) == b""  # closed
    assert (await ask(port, Describe()))[0].type == "info"  # and the server serves the next client


def _wire(eventable: Eventable) -> bytes:
    """An event as the wire carries it (the header line, its data, its payload)."""
    event = eventable.event()
    data = json.dumps(event.data).encode()
    head = {"type": event.type, "data_length": len(data), "payload_length": len(event.payload or b"")}
    return json.dumps(head).encode() + b"\n" + data + (event.payload or b"")


def test_addresses_are_checked_before_anything_starts() -> None:
    assert server_uri("tcp://0.0.0.0") == "tcp://0.0.0.0:10700"
    assert server_uri("tcp://127.0.0.1:10300") == "tcp://127.0.0.1:10300"
    for bad in ("10700", "http://x:1", "tcp://host:port"):
        with pytest.raises(ValueError, match="Wyoming address|cannot listen"):
            server_uri(bad)


def test_serve_as_a_process_answers_home_assistant_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "agent", "serve", "--wyoming", f"tcp://127.0.0.1:{port}",
                                "--db", f"sqlite:///{tmp_path / 'log.db'}"], cwd=tmp_path, stderr=subprocess.PIPE,
                               text=True)
    try:
        info, turn = asyncio.run(_first_answers(port, process))
        assert info.handle and info.asr and info.tts and info.wake and info.intent
        assert Handled.is_type(turn.type) and "kitchen light" in Handled.from_event(turn).text.lower()
        process.terminate()
        assert process.wait(30) == 0
    finally:
        process.kill()
    stderr = process.stderr.read() if process.stderr else ""
    assert "Traceback" not in stderr and "Wyoming server at" in stderr
    with sa.create_engine(f"sqlite:///{tmp_path / 'log.db'}").connect() as db:  # the turn was logged on the way out
        assert db.execute(sa.text("select count(*) from turns")).scalar() == 1
    busy = subprocess.run([sys.executable, "-m", "agent", "serve", "--wyoming", "tcp://127.0.0.1:http"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert busy.returncode == 2 and busy.stderr.count("\n") == 1 and "bad port" in busy.stderr


async def _first_answers(port: int, process: subprocess.Popen[str]) -> tuple[Info, Event]:
    deadline = time.monotonic() + 120
    while True:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            info = Info.from_event((await ask(port, Describe()))[0])
            break
        except OSError:
            assert time.monotonic() < deadline, "the server never listened"
            await asyncio.sleep(0.5)
    (turn,) = await ask(port, Transcript("turn on the kitchen light", context={"satellite_id": "kitchen_speaker"}))
    return info, turn


async def test_a_server_remembers_a_bounded_number_of_conversations(served: tuple[int, Agent, DeviceFleet],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import agent.agent

    port, agent_, _ = served
    monkeypatch.setattr(agent.agent, "MAX_DIALOGUES", 3)
    for n in range(5):  # chats from Home Assistant's text box: a conversation id each, no satellite
        (answer,) = await ask(port, Transcript("what time is it", context={"conversation_id": f"chat{n}"}))
        assert Handled.is_type(answer.type)
    assert list(agent_.dialogues) == ["chat2", "chat3", "chat4"]
