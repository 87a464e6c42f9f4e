"""Audio mode of the simulator: each utterance spoken with espeak-ng into the real voice loop."""

from __future__ import annotations

import asyncio
import hashlib
import json
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from agent.agent import Agent
from agent.audio.frames import FRAME_MS, AudioFrame, split_frames
from agent.audio.noise import noise_sigma, with_noise
from agent.audio.playback import NullPlayer
from agent.cachedir import cache_root, publish
from agent.clock import VirtualClock
from agent.home import Home
from agent.trace import TurnTrace
from agent.turn import Outcome
from agent.voice import VoiceLoop, build_engines
from simulator.speech import SPEEDS, VOICES, Voice, silence, synthesize, voice_for

if TYPE_CHECKING:
    from agent.asr.enroll import Recording

LEAD_S = 0.3
"""Quiet before each utterance."""
SETTLE_S = 1.0
"""Quiet after an utterance before the simulator takes an idle agent to have ignored it (a wake engine may
decide only once the speech has ended)."""
MAX_WAIT_S = 60.0
"""Longest the simulator waits (virtual time) for the agent to finish a turn."""


@dataclass(frozen=True)
class AudioOptions:
    """How the simulated users sound."""

    snr_db: float | None = None
    """White noise this far below the speech; None is clean."""
    seed: int = 0
    asr: str = "whisper"
    """The recognizer (whisper, pocketsphinx, vosk); enrolling or an acoustic model means pocketsphinx."""
    vosk_model: str | None = None
    whisper_model: str | None = None
    voices: tuple[str, ...] = VOICES
    """Voices the users are given (one per user, stable): espeak-ng voices, or `piper`."""
    speeds: tuple[int, ...] = SPEEDS
    """Speaking rates (words per minute) that vary from utterance to utterance."""
    acoustic_model: Path | None = None
    """The household's enrolled pocketsphinx model (`ambient enroll`); None: the bundled one."""
    enroll: bool = False
    """Without `acoustic_model`: enroll the speakers' voices first (cached), as a household would."""


    def recognizer(self) -> dict[str, str | None]:
        """The agent configuration fields that choose the recognizer."""
        adapted = self.enroll or self.acoustic_model is not None
        asr = "vosk" if self.vosk_model else "pocketsphinx" if adapted else self.asr
        return {"asr": asr, "vosk_model": self.vosk_model, "whisper_model": self.whisper_model}


ENROLL_PROMPTS = 25
"""Phrases each simulated person reads when the household enrolls."""


def read_aloud(home: Home, speakers: Sequence[Sequence[Voice]],
               texts: Sequence[Sequence[str]] | None = None) -> list[Recording]:
    """Each speaker reads their own enrollment prompts (`texts`, else `prompts_for`), one voice per prompt, with
    a little silence around."""
    from agent.asr.enroll import Recording

    return [Recording(text, np.concatenate([silence(0.2), synthesize(text, voice), silence(0.3)]).tobytes())
            for said, voices in zip(texts or prompts_for(home, speakers), speakers)
            for text, voice in zip(said, voices)]


def prompts_for(home: Home, speakers: Sequence[Sequence[Voice]]) -> list[list[str]]:
    """Each speaker's enrollment prompts (seeded per speaker)."""
    from agent.asr.enroll import prompts

    return [prompts(home, len(voices), seed=1000 + n) for n, voices in enumerate(speakers)]


def enrolled_model(home: Home, users: Iterable[str], options: AudioOptions) -> Path:
    """The acoustic model enrolled on `users` reading prompts in their simulated voices, from the cache when the
    same prompts were read in the same voices before."""
    from agent.asr.enroll import RECIPE_VERSION, enroll

    speakers = sorted(set(users))
    voices = [[voice_for(u, i, options.voices, options.speeds) for i in range(ENROLL_PROMPTS)] for u in speakers]
    texts = prompts_for(home, voices)
    read = [list(zip(said, [(v.name, v.speed) for v in vs])) for said, vs in zip(texts, voices)]
    digest = hashlib.sha256(json.dumps([read, RECIPE_VERSION]).encode())
    target = cache_root("acoustic") / digest.hexdigest()[:16]
    if (target / "enrollment.json").is_file():
        return target
    recordings = read_aloud(home, voices, texts)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        enroll(recordings, Path(tmp) / "model")
        publish(Path(tmp) / "model", target, "enrollment.json")  # tests on two workers may enroll them at once
    return target


class SpokenUsers:
    """Speaks scenario utterances into a VoiceLoop on a virtual clock, as a room full of people would."""

    def __init__(self, agent: Agent, clock: VirtualClock, options: AudioOptions) -> None:
        self.options = options
        self.rng = np.random.default_rng(options.seed)
        self.loop = VoiceLoop(agent, build_engines(agent, NullPlayer(clock)), clock=clock)
        self.offset_s = 0.0
        self.sigma = 0.0
        self.spoken = 0

    async def say(self, text: str, user: str | None, device: str | None, interrupt_after: float | None) -> TurnTrace:
        """Speak `text`; keep the room going until the agent is done (or `interrupt_after` s into its answer)."""
        self.loop.user, self.loop.satellite = user, device
        speech = synthesize(text, voice_for(user or "guest", self.spoken, self.options.voices, self.options.speeds))
        self.spoken += 1
        self.sigma = noise_sigma(speech, self.options.snr_db)
        before = len(self.loop.traces)
        await self._play(np.concatenate([silence(LEAD_S), speech, silence(FRAME_MS / 1000)]))
        await self._wait(interrupt_after)
        if len(self.loop.traces) > before:
            return self.loop.traces[before]
        trace = self.loop.agent.new_turn(user, device, text=text).trace
        trace.outcome = Outcome.NO_WAKE
        return trace

    async def _play(self, samples: np.ndarray) -> None:
        for frame in split_frames(with_noise(samples, self.sigma, self.rng).tobytes()):
            await self.loop.feed(AudioFrame(frame, self.offset_s))
            self.offset_s += FRAME_MS / 1000

    async def _wait(self, interrupt_after: float | None) -> None:
        """Room noise until the agent is idle, or until it has spoken `interrupt_after` seconds."""
        spoken_s = waited_s = 0.0
        quiet = silence(FRAME_MS / 1000)
        while waited_s < MAX_WAIT_S:
            if self.loop.thinking:  # virtual time stands still while the agent computes (in another thread)
                await asyncio.sleep(0.005)
                continue
            if interrupt_after is not None and self.loop.speaking:
                if spoken_s >= interrupt_after:
                    return
                spoken_s += FRAME_MS / 1000
            elif self.loop.idle and waited_s >= SETTLE_S:
                return
            await self._play(quiet)
            waited_s += FRAME_MS / 1000
