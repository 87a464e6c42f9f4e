"""The audio benchmark: synthesized users speaking to the demo home through the whole voice front-end.

The household first enrolls (each voice reads `PROMPTS_PER_VOICE` phrases generated from the NLU templates, never
the test commands), as a user of the product would; accuracy without enrollment is reported alongside."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agent.audio.frames import FRAME_MS, SAMPLE_RATE, split_frames
from agent.audio.noise import noise_sigma, with_noise
from agent.bench import DEMO_HOME, held_out, percentile
from agent.home import Home, load_home
from agent.resolve import ResolveContext, resolve
from agent.trace import Stage, TurnTrace
from agent.turn import Intent
from simulator.speech import VOICES, Voice, silence, synthesize

BENCH_VOICES = VOICES[:4]
PROMPTS_PER_VOICE = 25
"""Enrollment phrases each simulated person reads (about two minutes)."""
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
"""Everyday talk that is not addressed to the agent (some of it with "hey" or "home" in it)."""


@dataclass
class AudioFigures:
    """What the audio benchmark prints."""

    commands: int
    voices: int
    accuracy_clean: float
    accuracy_10db: float
    accuracy_clean_unenrolled: float
    wake_rate_clean_unenrolled: float
    accuracy_typed: float
    """The same commands typed: the ceiling that perfect recognition would reach."""
    wake_rate_clean: float
    wake_rate_10db: float
    asr_rtf_p50: float
    asr_rtf_p99: float
    eos_to_action_p50_ms: float
    eos_to_action_p99_ms: float
    endpoint_silence_s: float
    non_wake_hours: float
    false_wakes: int
    false_wakes_per_hour: float
    barge_in_stop_p50_ms: float
    barge_in_stop_p99_ms: float


@dataclass(frozen=True)
class Command:
    """One test command and what a correct turn does with it."""

    text: str
    intent: str
    devices: tuple[str, ...]


def kitchen_context(home: Home) -> ResolveContext:
    """What resolution knows when the commands are spoken to the kitchen speaker."""
    satellite = home.device("kitchen_speaker")
    return ResolveContext(home, satellite.area, satellite, {})


def commands(count: int, seed: int) -> list[Command]:
    """`count` hand-written (never trained on) commands with their expected intent and devices."""
    ctx = kitchen_context(load_home(DEMO_HOME))
    cases = [c for c in held_out() if c["intent"] != "OutOfDomain"]
    picked = np.random.default_rng(seed).choice(len(cases), size=min(count, len(cases)), replace=False)
    out = []
    for i in sorted(picked):
        case = cases[int(i)]
        gold = resolve(Intent(case["intent"], dict(case["slots"]), 1.0, case["text"]), ctx)
        out.append(Command(case["text"], case["intent"], gold.devices))
    return out


def enroll_household(directory: Path, voices: tuple[str, ...] = BENCH_VOICES,
                     per_voice: int = PROMPTS_PER_VOICE) -> Path:
    """Each voice reads its own enrollment phrases; the household's adapted model is written to `directory`."""
    from agent.asr.enroll import enroll
    from simulator.voice import read_aloud

    recordings = read_aloud(load_home(DEMO_HOME), [[Voice(voice)] * per_voice for voice in voices])
    return enroll(recordings, directory).model


async def command_turns(cmds: list[Command], snr_db: float | None, seed: int,
                        acoustic_model: Path | None = None) -> list[TurnTrace | None]:
    """Speak "hey home, <command>" for each; the turn each produced (None when the wake was missed)."""
    from agent.agent import Agent
    from agent.audio.frames import AudioFrame
    from agent.audio.playback import NullPlayer
    from agent.broker import embedded_broker
    from agent.clock import SystemClock
    from agent.config import AgentConfig
    from agent.voice import VoiceLoop, build_engines

    rng = np.random.default_rng(seed)
    results: list[TurnTrace | None] = []
    async with embedded_broker() as url:
        config = AgentConfig(home=DEMO_HOME, broker=url, db=None, acoustic_model=acoustic_model)
        async with Agent(config) as agent:
            loop = VoiceLoop(agent, build_engines(agent, NullPlayer(SystemClock())), satellite="kitchen_speaker",
                             end=Stage.RESOLVE)
            offset = 0.0
            for i, cmd in enumerate(cmds):
                speech = synthesize(f"hey home, {cmd.text}", Voice(BENCH_VOICES[i % len(BENCH_VOICES)]))
                sigma = noise_sigma(speech, snr_db)
                before = len(loop.traces)
                audio = with_noise(np.concatenate([silence(0.3), speech, silence(1.2)]), sigma, rng)
                for pcm in split_frames(audio.tobytes()):
                    await loop.feed(AudioFrame(pcm, offset))
                    offset += FRAME_MS / 1000
                await loop.drain()
                results.append(loop.traces[before] if len(loop.traces) > before else None)
    return results


def typed_accuracy(cmds: list[Command]) -> float:
    """Share of the commands whose written text (as a recognizer spells it) gets the right intent and devices."""
    from agent.nlu.jsgf import words_of
    from agent.nlu.model import NluModel

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


def eos_to_action_ms(trace: TurnTrace) -> float | None:
    """From the endpoint firing to the result stage starting: final decode, rewrite, NLU, resolve."""
    asr = trace.record(Stage.ASR)
    if asr is None or not isinstance(asr.output, dict):
        return None
    return float(asr.output.get("final_ms", 0.0)) + sum(
        trace.latency_ms(s) or 0.0 for s in (Stage.REWRITE, Stage.NLU, Stage.RESOLVE))


def asr_rtf(cmds: list[Command], acoustic_model: Path | None = None) -> list[float]:
    """Recognizer processing time over audio length, command audio only (pocketsphinx, grammar)."""
    from agent.asr.pocketsphinx_engine import PocketsphinxRecognizer

    recognizer = PocketsphinxRecognizer(load_home(DEMO_HOME), acoustic_model=acoustic_model)
    ratios = []
    for i, cmd in enumerate(cmds):
        speech = synthesize(cmd.text, Voice(BENCH_VOICES[i % len(BENCH_VOICES)]))
        began = time.perf_counter()
        recognizer.start()
        for pcm in split_frames(speech.tobytes()):
            recognizer.feed(pcm)
        recognizer.finish()
        ratios.append((time.perf_counter() - began) / (len(speech) / SAMPLE_RATE))
    return ratios


def false_wakes(hours: float, acoustic_model: Path | None = None) -> tuple[int, float]:
    """Wake detections in `hours` of non-wake speech (commands without the wake phrase and everyday talk)."""
    from agent.wake.pocketsphinx_engine import PocketsphinxWake

    texts = [c["text"] for c in held_out()] + ORDINARY_SPEECH
    engine = PocketsphinxWake(acoustic_model=acoustic_model)
    heard_s, detections, i = 0.0, 0, 0
    while heard_s < hours * 3600:
        voice = Voice(VOICES[i % len(VOICES)], 145 + 20 * (i % 3))
        speech = np.concatenate([synthesize(texts[i % len(texts)], voice), silence(0.5)])
        for pcm in split_frames(speech.tobytes()):
            if engine.feed(pcm) is not None:
                detections += 1
                engine.reset()
        heard_s += len(speech) / SAMPLE_RATE
        i += 1
    return detections, heard_s / 3600


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


def run(count: int = 200, false_wake_hours: float = 1.0, seed: int = 0,
        progress: Callable[[str], None] | None = None) -> AudioFigures:
    import tempfile

    from agent.audio.endpoint import Endpointer

    say = progress or (lambda _: None)
    cmds = commands(count, seed)

    def spoken(label: str, snr_db: float | None, model: Path | None) -> list[TurnTrace | None]:
        turns = asyncio.run(command_turns(cmds, snr_db, seed, model))
        say(f"{label}: accuracy {sum(map(correct, cmds, turns)) / len(cmds):.3f}, "
            f"wake {sum(t is not None for t in turns) / len(cmds):.3f}")
        return turns

    unenrolled = spoken("clean, without enrollment", None, None)
    with tempfile.TemporaryDirectory() as tmp:
        model = enroll_household(Path(tmp) / "household")
        say(f"enrolled: {PROMPTS_PER_VOICE} phrases per voice")
        clean = spoken("clean", None, model)
        noisy = spoken("10 dB SNR", 10.0, model)
        rtf = asr_rtf(cmds, model)
        say(f"ASR real-time factor p50 {statistics.median(rtf):.3f}")
        wakes, hours = false_wakes(false_wake_hours, model)
        say(f"{wakes} false wakes in {hours:.2f} h")
    stops = barge_in_stops()
    eos = [ms for t in clean + noisy if t is not None and (ms := eos_to_action_ms(t)) is not None]
    return AudioFigures(
        commands=len(cmds), voices=len(BENCH_VOICES),
        accuracy_clean=sum(map(correct, cmds, clean)) / len(cmds),
        accuracy_10db=sum(map(correct, cmds, noisy)) / len(cmds),
        accuracy_clean_unenrolled=sum(map(correct, cmds, unenrolled)) / len(cmds),
        wake_rate_clean_unenrolled=sum(t is not None for t in unenrolled) / len(cmds),
        accuracy_typed=typed_accuracy(cmds),
        wake_rate_clean=sum(t is not None for t in clean) / len(cmds),
        wake_rate_10db=sum(t is not None for t in noisy) / len(cmds),
        asr_rtf_p50=statistics.median(rtf), asr_rtf_p99=percentile(rtf, 0.99),
        eos_to_action_p50_ms=statistics.median(eos), eos_to_action_p99_ms=percentile(eos, 0.99),
        endpoint_silence_s=Endpointer().silence_s,
        non_wake_hours=hours, false_wakes=wakes, false_wakes_per_hour=wakes / hours,
        barge_in_stop_p50_ms=statistics.median(stops), barge_in_stop_p99_ms=percentile(stops, 0.99),
    )


def as_dict(figures: AudioFigures) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(figures).items()}
