"""The audio benchmark: synthesized users speaking to the demo home through the whole voice front-end, per
recognizer, without enrollment; wake words and false wakes per wake engine; word error rate on real recordings.

Speakers are Piper's neural voice and four espeak-ng voices; commands are hand-written and never trained or
tuned on (`agent.bench.held_out`). `cases` lets the same measurement run on a development set instead."""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agent.audio.frames import FRAME_MS, SAMPLE_RATE, split_frames
from agent.audio.noise import noise_sigma, with_noise
from agent.bench import DEMO_HOME, actions_taken, everyday_talk, held_out, kitchen_context, percentile
from agent.cachedir import cache_root
from agent.home import load_home
from agent.resolve import resolve
from agent.trace import Stage, TurnTrace
from agent.turn import Intent
from simulator.room import Room
from simulator.speech import PIPER, Voice, silence, synthesize

ESPEAK_VOICES = ("en-us", "en-gb", "en-us+f3", "en-gb-scotland")
ENGINES = ("whisper", "pocketsphinx", "both")
WAKE_WORDS = ("hey home", "okay_nabu", "hey_jarvis", "alexa", "hey_mycroft", "hey_rhasspy")
"""The wake words measured: the wake phrase on the default (Whisper) engine, then the neural models."""
ORDINARY_SPEECH = [
    "the weather is nice today", "we should go to the beach this weekend", "did you finish your homework",
    "i think the game starts at seven", "can you pass me the salt", "my sister is coming over for dinner",
    "the train was late again this morning", "let's order some pizza tonight", "have you seen my keys",
    "the kids are playing in the garden", "i need to call the dentist", "that movie was really good",
    "put the groceries in the fridge", "the meeting got moved to thursday", "what time does the store close",
    "i'm going for a run", "the dog needs a walk", "turn left at the next light", "home is where the heart is",
    "hey there how are you", "she said hey on the phone", "we bought a new home last year",
    "the printer is out of paper again", "remind me to buy milk", "the news said it might snow",
    "the baby is finally asleep", "this soup needs more salt", "can you help me with the dishes",
]
"""Everyday talk that is not a command (some of it with "hey" or "home" in it)."""
REAL_RECORDINGS = "pocketsphinx==5.1.1"
"""The source distribution whose test recordings (LibriVox, a card game, "go forward ten meters") are real speech."""


@dataclass
class EngineFigures:
    """One recognizer through the whole voice pipeline, no enrollment."""

    engine: str
    accuracy_piper: float
    accuracy_piper_10db: float
    accuracy_piper_room: float
    """Piper in a living room (`simulator.room.Room`): reverberation, a talking television 20 dB under the
    speaker, a microphone's DC offset."""
    accuracy_levels_apart: float
    """A wake phrase (espeak-ng) and a request (Piper) said at levels far apart (`LEVELS_APART`)."""
    accuracy_espeak: float
    """Four espeak-ng voices, clean."""
    accuracy_espeak_10db: float
    wake_rate: float
    """Commands whose wake phrase was heard (clean, all voices), with the engine's own wake phrase spotter."""
    non_command_actions: int
    """Devices acted on after everyday talk, silence, noise or a tone following the wake phrase (must be 0)."""
    non_command_turns: int
    real_wer: float | None
    """Word error rate on the real recordings (None when they could not be fetched)."""
    asr_rtf_p50: float
    asr_rtf_p99: float
    eos_to_action_p50_ms: float
    eos_to_action_p99_ms: float


@dataclass
class WakeFigures:
    """One wake word engine: detection on "<wake word>, <command>" and false wakes on everyday speech."""

    wake_word: str
    detection: float
    false_wakes: int
    hours: float
    false_wakes_per_10h: float


@dataclass
class AudioFigures:
    """What the audio benchmark prints."""

    commands: int
    accuracy_typed: float
    """The same commands typed: the ceiling perfect recognition would reach with today's NLU."""
    engines: list[EngineFigures] = field(default_factory=list)
    wakes: list[WakeFigures] = field(default_factory=list)
    endpoint_silence_s: float = 0.5
    barge_in_stop_p50_ms: float = 0.0
    barge_in_stop_p99_ms: float = 0.0


@dataclass(frozen=True)
class Command:
    """One test command and what a correct turn does with it."""

    text: str
    intent: str
    devices: tuple[str, ...]


def commands(count: int, seed: int, cases: Sequence[dict[str, Any]] | None = None) -> list[Command]:
    """`count` hand-written commands (never trained on, unless `cases` are given) with their expected intent and
    devices."""
    ctx = kitchen_context(load_home(DEMO_HOME))
    pool = [c for c in (cases if cases is not None else held_out()) if c["intent"] != "OutOfDomain"]
    picked = np.random.default_rng(seed).choice(len(pool), size=min(count, len(pool)), replace=False)
    out = []
    for i in sorted(picked):
        case = pool[int(i)]
        gold = resolve(Intent(case["intent"], dict(case.get("slots") or {}), 1.0, case["text"]), ctx)
        out.append(Command(case["text"], case["intent"], gold.devices))
    return out


async def spoken_turns(utterances: Sequence[tuple[str, Voice]], snr_db: float | None, seed: int, asr: str,
                       end: Stage = Stage.RESOLVE, extra: Sequence[np.ndarray] = (),
                       room: Room | None = None) -> list[TurnTrace | None]:
    """Speak each utterance (then play each of `extra`) into a voice loop on the kitchen speaker, in white noise
    `snr_db` under it or in `room`; the turn each produced (None when the wake phrase was missed). With
    `end=Stage.RESULT` the home's devices are acted on."""
    from agent.agent import Agent
    from agent.audio.frames import AudioFrame
    from agent.audio.playback import NullPlayer
    from agent.broker import embedded_broker, parse_broker_url
    from agent.clock import SystemClock
    from agent.config import AgentConfig
    from agent.voice import VoiceLoop, build_engines
    from devices.fleet import running

    rng = np.random.default_rng(seed)
    sounds = [synthesize(text, voice) for text, voice in utterances] + list(extra)
    results: list[TurnTrace | None] = []
    async with embedded_broker() as url, running(load_home(DEMO_HOME), parse_broker_url(url), SystemClock()):
        config = AgentConfig(home=DEMO_HOME, broker=url, db=None, asr=asr)
        async with Agent(config) as agent:
            loop = VoiceLoop(agent, build_engines(agent, NullPlayer(SystemClock())), satellite="kitchen_speaker",
                             end=end)
            offset = 0.0
            for sound in sounds:
                before = len(loop.traces)
                placed = np.concatenate([silence(0.3), sound, silence(1.5)]) if room is None else \
                    room.heard(sound, 0.3, 1.5, rng)
                audio = with_noise(placed, noise_sigma(sound, snr_db), rng)
                for pcm in split_frames(audio.tobytes()):
                    await loop.feed(AudioFrame(pcm, offset))
                    offset += FRAME_MS / 1000
                await loop.drain()
                results.append(loop.traces[before] if len(loop.traces) > before else None)
    return results


def typed_accuracy(cmds: list[Command]) -> float:
    """Share of the commands whose written text (as a recognizer spells it) gets the right intent and devices."""
    from agent.nlu.model import NluModel
    from agent.text import words_of

    home = load_home(DEMO_HOME)
    model = NluModel.load()
    model.use_home(home)
    ctx = kitchen_context(home)
    right = 0
    for cmd, intent in zip(cmds, model.parse_many(" ".join(words_of(c.text)) for c in cmds)):
        right += intent.name == cmd.intent and resolve(intent, ctx).devices == cmd.devices
    return right / len(cmds)


def correct(cmd: Command, trace: TurnTrace | None) -> bool:
    if trace is None or trace.intent != cmd.intent:
        return False
    record = trace.record(Stage.RESOLVE)
    devices = tuple(record.output.get("devices", ())) if record and isinstance(record.output, dict) else ()
    return devices == cmd.devices


def accuracy(cmds: list[Command], turns: list[TurnTrace | None]) -> float:
    return sum(map(correct, cmds, turns)) / len(cmds)


def eos_to_action_ms(trace: TurnTrace) -> float | None:
    """From the endpoint firing to the result stage starting: final decode, rewrite, NLU, resolve."""
    asr = trace.record(Stage.ASR)
    if asr is None or not isinstance(asr.output, dict):
        return None
    return float(asr.output.get("final_ms", 0.0)) + sum(
        trace.latency_ms(s) or 0.0 for s in (Stage.REWRITE, Stage.NLU, Stage.RESOLVE))


def asr_rtf(cmds: list[Command], asr: str) -> list[float]:
    """Recognizer processing time over audio length, command audio only."""
    from agent.config import AgentConfig
    from agent.voice import recognizer_for

    recognizer, _ = recognizer_for(AgentConfig(home=DEMO_HOME, asr=asr), load_home(DEMO_HOME))
    ratios = []
    for i, cmd in enumerate(cmds):
        speech = synthesize(cmd.text, Voice(ESPEAK_VOICES[i % len(ESPEAK_VOICES)]))
        began = time.perf_counter()
        recognizer.start()
        for pcm in split_frames(speech.tobytes()):
            recognizer.feed(pcm)
        recognizer.finish()
        ratios.append((time.perf_counter() - began) / (len(speech) / SAMPLE_RATE))
    return ratios


LEVELS_APART = ((0.0, -25.0, 0.3), (-15.0, 0.0, 1.0))
"""(wake phrase dB, request dB, pause s between them), taken in turn: a request 25 dB under its wake phrase (a
speaker who turns away, or a recording with a wake phrase put in front), and one 15 dB over it after a second's
pause."""


def wake_then_request(text: str, wake_db: float, request_db: float, pause_s: float) -> np.ndarray:
    """ "hey home" (espeak-ng) `wake_db` from full level, `pause_s` of silence, then `text` (Piper) `request_db`
    from full level, as float samples."""
    wake = synthesize("hey home", Voice("en-us")).astype(np.float64)
    return np.concatenate([wake * 10 ** (wake_db / 20), silence(pause_s),
                           synthesize(text, Voice(PIPER)) * 10 ** (request_db / 20)])


def levels_apart(cmds: list[Command], seed: int) -> list[np.ndarray]:
    """Each command after the wake phrase at the levels of `LEVELS_APART` (`wake_then_request`), over a -80 dBFS
    hiss."""
    rng = np.random.default_rng(seed)
    sounds = []
    for i, cmd in enumerate(cmds):
        said = wake_then_request(cmd.text, *LEVELS_APART[i % len(LEVELS_APART)])
        sounds.append(np.clip(np.round(said + rng.normal(0, 3, said.size)), -32768, 32767).astype(np.int16))
    return sounds


def non_commands() -> tuple[list[tuple[str, Voice]], list[np.ndarray]]:
    """Everyday talk said after the wake phrase (`ORDINARY_SPEECH` by espeak-ng voices, the held-out
    `everyday_talk` by Piper), and what follows it without words: silence, room noise, a hum and a chord (what
    makes Whisper invent "Thank you." or music notes)."""
    t = np.arange(int(2.5 * SAMPLE_RATE)) / SAMPLE_RATE
    hum = 3000 * np.sin(2 * np.pi * 120 * t)
    chord = sum(2500 * np.sin(2 * np.pi * f * t) for f in (261.6, 329.6, 392.0))
    noise = np.random.default_rng(7).normal(0, 800, t.size)
    wake = synthesize("hey home", Voice("en-us"))
    quiet = [np.concatenate([wake, silence(0.2), sound]).astype(np.int16)
             for sound in (silence(2.5), noise, hum, chord)]
    talk = [(f"hey home, {text}", Voice(ESPEAK_VOICES[i % 2])) for i, text in enumerate(ORDINARY_SPEECH)]
    return talk + [(f"hey home, {text}", Voice(PIPER)) for text in everyday_talk()], quiet


def real_recordings() -> list[tuple[str, np.ndarray]] | None:
    """(transcript, audio) of the real speech in pocketsphinx's source distribution (fetched once from PyPI)."""
    folder = cache_root("real-speech")
    root = folder / REAL_RECORDINGS.replace("==", "-") / "test" / "data"
    if not root.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        fetched = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps",
                                  "-d", str(folder), REAL_RECORDINGS], capture_output=True, text=True, check=False)
        archives = sorted(folder.glob("pocketsphinx-*.tar.gz"))
        if fetched.returncode != 0 or not archives:
            return None
        with tarfile.open(archives[-1]) as archive:
            archive.extractall(folder, filter="data")
    from agent.audio.sources import FileSource

    out = []
    for listing, directory in (("librivox/transcription", "librivox"), ("cards/cards.transcription", "cards")):
        for line in (root / listing).read_text().splitlines():
            words, _, name = line.rpartition("(")
            text = words.replace("<s>", "").replace("</s>", "").strip()
            wav = FileSource(root / directory / f"{name.strip(' )')}.wav")
            out.append((text, np.frombuffer(wav.pcm, dtype=np.int16)))
    out.append(("go forward ten meters", np.frombuffer((root / "goforward.raw").read_bytes(), dtype="<i2")))
    return out


def word_error_rate(asr: str, recordings: list[tuple[str, np.ndarray]]) -> float:
    """Word errors over reference words, the recognizer alone (no correction: these are not home commands)."""
    from rapidfuzz.distance import Levenshtein

    from agent.config import AgentConfig
    from agent.text import words_of
    from agent.voice import recognizer_for

    recognizer, _ = recognizer_for(AgentConfig(home=DEMO_HOME, asr=asr), load_home(DEMO_HOME))
    errors = words = 0
    for text, audio in recordings:
        recognizer.start(free=True)
        recognizer.feed(np.concatenate([silence(0.2), audio, silence(0.3)]).tobytes())
        said = words_of(text)
        errors += Levenshtein.distance(list(said), list(words_of(recognizer.finish().text)))
        words += len(said)
    return errors / words


def engine_figures(asr: str, cmds: list[Command], seed: int, say: Callable[[str], None],
                   recordings: list[tuple[str, np.ndarray]] | None) -> EngineFigures:
    piper = [(f"hey home, {c.text}", Voice(PIPER)) for c in cmds]
    espeak = [(f"hey home, {c.text}", Voice(ESPEAK_VOICES[i % len(ESPEAK_VOICES)])) for i, c in enumerate(cmds)]
    runs = {}
    for label, said, snr, room in (("piper", piper, None, None), ("piper_10db", piper, 10.0, None),
                                   ("piper_room", piper, None, Room()), ("espeak", espeak, None, None),
                                   ("espeak_10db", espeak, 10.0, None)):
        runs[label] = asyncio.run(spoken_turns(said, snr, seed, asr, room=room))
        say(f"{asr}, {label}: accuracy {accuracy(cmds, runs[label]):.3f}")
    runs["levels_apart"] = asyncio.run(spoken_turns([], None, seed, asr, extra=levels_apart(cmds, seed)))
    say(f"{asr}, levels apart: accuracy {accuracy(cmds, runs['levels_apart']):.3f}")
    talk, sounds = non_commands()
    chatter = asyncio.run(spoken_turns(talk, None, seed, asr, end=Stage.RESULT, extra=sounds))
    rtf = asr_rtf(cmds, asr)
    eos = [ms for label in runs for t in runs[label] if t is not None and (ms := eos_to_action_ms(t)) is not None]
    clean = runs["piper"] + runs["espeak"]
    figures = EngineFigures(
        engine=asr, accuracy_piper=accuracy(cmds, runs["piper"]), accuracy_piper_10db=accuracy(cmds, runs["piper_10db"]),
        accuracy_piper_room=accuracy(cmds, runs["piper_room"]), accuracy_levels_apart=accuracy(cmds, runs["levels_apart"]),
        accuracy_espeak=accuracy(cmds, runs["espeak"]), accuracy_espeak_10db=accuracy(cmds, runs["espeak_10db"]),
        wake_rate=sum(t is not None for t in clean) / len(clean),
        non_command_actions=actions_taken(chatter), non_command_turns=len(chatter),
        real_wer=word_error_rate(asr, recordings) if recordings else None,
        asr_rtf_p50=statistics.median(rtf), asr_rtf_p99=percentile(rtf, 0.99),
        eos_to_action_p50_ms=statistics.median(eos), eos_to_action_p99_ms=percentile(eos, 0.99),
    )
    say(f"{asr}: {figures}")
    return figures


def wake_figures(word: str, cmds: list[Command], hours: float) -> WakeFigures:
    """Detection of "<word>, <command>" (Piper and espeak-ng voices) and false wakes in `hours` of everyday
    speech and commands without the wake word."""
    from agent.asr.whisper_engine import load, resolve_model
    from agent.wake.neural import neural_wake, phrase_of
    from agent.wake.transcribed import TranscribedWake

    def engine() -> Any:
        return TranscribedWake(load(resolve_model()), word) if word == "hey home" else neural_wake(word)

    spotter = engine()
    said = phrase_of(word).replace("rhasspy", "rhaspy")  # how espeak-ng says it
    voices = (PIPER, *ESPEAK_VOICES)
    heard = 0
    for i, cmd in enumerate(cmds):
        spotter.reset()
        audio = np.concatenate([silence(0.4), synthesize(f"{said}, {cmd.text}", Voice(voices[i % len(voices)])),
                                silence(1.0)])
        detections = [spotter.feed(pcm) for pcm in split_frames(audio.tobytes())]  # every frame, even after a wake
        heard += any(d is not None for d in detections)
    wakes, seconds = false_wakes(engine(), hours)
    return WakeFigures(word, heard / len(cmds), wakes, round(seconds / 3600, 3), wakes / (seconds / 36000))


def false_wakes(spotter: Any, hours: float) -> tuple[int, float]:
    """Wake detections in `hours` of non-wake speech (held-out commands without the wake phrase, everyday talk)."""
    texts = [c["text"] for c in held_out()] + ORDINARY_SPEECH
    voices = (PIPER, *ESPEAK_VOICES, "en-us+m7", "en-gb-x-rp")
    heard_s, detections, i = 0.0, 0, 0
    while heard_s < hours * 3600:
        voice = Voice(voices[i % len(voices)], 145 + 20 * (i % 3))
        speech = np.concatenate([synthesize(texts[i % len(texts)], voice), silence(0.5)])
        for pcm in split_frames(speech.tobytes()):
            if spotter.feed(pcm) is not None:
                detections += 1
        heard_s += len(speech) / SAMPLE_RATE
        i += 1
    return detections, heard_s


def barge_in_stops(trials: int = 20) -> list[float]:
    """ms from `stop()` to the output stream stopped, playing speech into a real-time ALSA sink.

    Without a sound card here, the speaker is simulator.sound_card's paced pipe: PortAudio and ALSA are real,
    and the figure includes that sink's ~10 ms page.
    """
    import tempfile

    from agent.audio.playback import SoundDevicePlayer
    from agent.tts.engine import Pyttsx3Tts
    from agent.turn import Speech
    from simulator.sound_card import fake_sound_card, portaudio_using

    async def run(directory: Path) -> list[float]:
        speech: Speech = await Pyttsx3Tts().synthesize(
            "I'm playing a long answer that you will interrupt. " * 3, directory / "answer.wav")
        player = SoundDevicePlayer()
        stops = []
        for _ in range(trials):
            playing = asyncio.create_task(player.play(speech))
            await asyncio.sleep(0.4)
            stops.append(player.stop() or 0.0)
            await playing
        return stops

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        mic = directory / "silence.raw"
        mic.write_bytes(bytes(SAMPLE_RATE * 2))
        with fake_sound_card(directory, mic) as config, portaudio_using(config):
            return asyncio.run(run(directory))


def run(count: int = 200, false_wake_hours: float = 1.0, seed: int = 0, engines: Sequence[str] = ENGINES,
        wake_words: Sequence[str] = WAKE_WORDS, cases: Sequence[dict[str, Any]] | None = None,
        progress: Callable[[str], None] | None = None) -> AudioFigures:
    from agent.audio.endpoint import Endpointer

    say = progress or (lambda _: None)
    cmds = commands(count, seed, cases)
    recordings = real_recordings()
    if recordings is None:
        say("the real recordings could not be fetched (pip download pocketsphinx): no word error rate")
    figures = AudioFigures(commands=len(cmds), accuracy_typed=typed_accuracy(cmds),
                           endpoint_silence_s=Endpointer().silence_s)
    figures.engines = [engine_figures(asr, cmds, seed, say, recordings) for asr in engines]
    for word in wake_words:
        figures.wakes.append(wake_figures(word, cmds[:100], false_wake_hours))
        say(f"wake {figures.wakes[-1]}")
    stops = barge_in_stops()
    figures.barge_in_stop_p50_ms, figures.barge_in_stop_p99_ms = statistics.median(stops), percentile(stops, 0.99)
    return figures

