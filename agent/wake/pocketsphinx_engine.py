"""Wake phrase spotting with pocketsphinx: the start of each stretch of speech is decoded twice, forced
through the wake phrase (followed by a loop of catch-all words) and through a free phone loop; the phrase is
heard when each wake word's acoustic log-likelihood per frame comes close enough to the phone loop's.

Keyphrase search (`add_keyphrase`, `kws_threshold`) was tried first: on espeak-ng speech it detected under a
quarter of wake phrases at thresholds that already woke falsely. Decoding whole windows lets pocketsphinx
normalize cepstra over the window, which the acoustic model needs on synthetic voices.
"""

from __future__ import annotations

import math
import os
from collections import deque

import numpy as np
import pocketsphinx

from agent.asr.acoustic import check_model_dir
from agent.asr.pronounce import pronounce_all
from agent.audio.frames import FRAME_MS, SAMPLE_RATE, SAMPLE_WIDTH
from agent.audio.levels import dither
from agent.turn import WakeEvent

WAKE, PHONES = "wake", "phones"
"""Names of the decoder's searches."""
DEFAULT_THRESHOLD = -3.3
"""Lowest per-frame log-likelihood gap (nats) between a wake word and the phone loop that counts as heard."""
SCORE_SLOPE = 2.0
"""Steepness of the gap -> score curve; a gap at the threshold scores 0.5."""
EARLY_CHECKS_S = (1.0, 1.4)
"""Window lengths at which the phrase is looked for before the full window: a quick "hey home" wakes sooner."""
WINDOW_S = 1.8
"""Audio decoded from the onset of speech: long enough for the wake phrase at a slow pace."""
PREROLL_S = 0.45
"""Audio kept from before the voice activity detector noticed speech."""
CATCH_ALL = ("a", "the", "to", "and", "of", "it", "is", "in", "you", "that", "he", "we", "they", "on", "off", "turn",
             "light", "set", "play", "stop", "what", "please")
"""Words that may follow the wake phrase in the forced decoding."""
DECODER_OPTIONS = {"beam": 1e-30, "wbeam": 1e-20, "pbeam": 1e-30}
"""Narrow pruning: two decodes of a window take well under a tenth of its duration."""


class PocketsphinxWake:
    """Spots `phrase` in a 16 kHz mono int16 stream; quiet for `cooldown_s` after each detection."""

    def __init__(self, phrase: str = "hey home", threshold: float = DEFAULT_THRESHOLD,
                 cooldown_s: float = 2.0, acoustic_model: str | os.PathLike[str] | None = None) -> None:
        self.phrase = phrase
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self.words = tuple(phrase.lower().split())
        hmm = {"hmm": str(check_model_dir(acoustic_model))} if acoustic_model else {}
        self.decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL", **hmm, **DECODER_OPTIONS)
        missing = [w for w in self.words if self.decoder.lookup_word(w) is None]
        for word, phones in pronounce_all(missing).items():
            if not phones:
                raise ValueError(f"cannot pronounce wake word {word!r}")
            self.decoder.add_word(word, phones, False)
        self.decoder.add_fsg(WAKE, self.decoder.create_fsg(WAKE, 0, 1, _transitions(self.words)))
        model = pocketsphinx.get_model_path()
        self.decoder.add_allphone_file(PHONES, os.path.join(model, "en-us", "en-us-phone.lm.bin"))
        self.endpointer = pocketsphinx.Endpointer(sample_rate=SAMPLE_RATE, frame_length=FRAME_MS / 1000)
        self._preroll: deque[bytes] = deque(maxlen=max(1, round(PREROLL_S * 1000 / FRAME_MS)))
        self._window = bytearray()
        self._window_start_s = 0.0
        self._checked = False
        self._stream_s = 0.0
        self._quiet_until = -math.inf
        self._pending = bytearray()
        self._rng = np.random.default_rng(0)

    def reset(self) -> None:
        """Forget any partial match and start a new stream at offset 0."""
        self.endpointer = pocketsphinx.Endpointer(sample_rate=SAMPLE_RATE, frame_length=FRAME_MS / 1000)
        self._preroll.clear()
        self._window.clear()
        self._pending.clear()
        self._checked = False
        self._stream_s = 0.0
        self._quiet_until = -math.inf

    def feed(self, pcm: bytes) -> WakeEvent | None:
        """Add audio; returns an event when the phrase has just been heard (outside the cooldown)."""
        self._pending += pcm
        size = self.endpointer.frame_bytes
        event = None
        while len(self._pending) >= size:
            frame = dither(bytes(self._pending[:size]), self._rng)
            del self._pending[:size]
            event = self._frame(frame) or event
        return event

    def _frame(self, frame: bytes) -> WakeEvent | None:
        start_s = self._stream_s
        self._stream_s += len(frame) / (SAMPLE_RATE * SAMPLE_WIDTH)
        was_speech = self.endpointer.in_speech
        self.endpointer.process(frame)
        if not self.endpointer.in_speech:
            self._preroll.append(frame)
            if was_speech and self._window and not self._checked:
                return self._check()
            self._window.clear()
            self._checked = False
            return None
        if not was_speech:
            self._window = bytearray(b"".join(self._preroll))
            self._window_start_s = start_s - len(self._window) / (SAMPLE_RATE * SAMPLE_WIDTH)
            self._preroll.clear()
            self._checked = False
        if self._checked:
            return None
        self._window += frame
        if len(self._window) >= WINDOW_S * SAMPLE_RATE * SAMPLE_WIDTH:
            return self._check()
        if any(len(self._window) - len(frame) < point * SAMPLE_RATE * SAMPLE_WIDTH <= len(self._window)
               for point in EARLY_CHECKS_S):
            return self._check(final=False)
        return None

    def _check(self, final: bool = True) -> WakeEvent | None:
        """Decode the window: an event when it starts with the wake phrase, said clearly enough.

        An early (not final) check that finds nothing leaves the window open for the later ones."""
        self._checked = final
        forced = [s for s in self._decode(WAKE) if s[0] in self.words]
        if len(forced) != len(self.words):
            return None
        free = self._decode(PHONES)
        gap = min(_gap(start, end, score, free) for _, start, end, score in forced)
        if gap < self.threshold:
            return None
        self._checked = True
        at_s = self._window_start_s + (forced[-1][2] + 1) / 100
        if at_s < self._quiet_until:
            return None
        self._quiet_until = at_s + self.cooldown_s
        score = 1.0 / (1.0 + math.exp(-SCORE_SLOPE * (gap - self.threshold)))
        return WakeEvent(self.phrase, round(score, 3), at_s=round(at_s, 2))

    def _decode(self, search: str) -> list[tuple[str, int, int, float]]:
        """Segments (word, first frame, last frame, acoustic log-likelihood) of the window under `search`."""
        self.decoder.activate_search(search)
        self.decoder.start_utt()
        self.decoder.process_raw(bytes(self._window), False, True)
        self.decoder.end_utt()
        return [(s.word.split("(")[0], s.start_frame, s.end_frame, math.log(max(s.ascore, 1e-300)))
                for s in self.decoder.seg() or ()]


def _gap(start: int, end: int, score: float, free: list[tuple[str, int, int, float]]) -> float:
    """Per-frame log-likelihood of a word minus that of the phone loop over the same frames (pro rata)."""
    reference = sum(s * (min(end, e) - max(start, b) + 1) / (e - b + 1)
                    for _, b, e, s in free if min(end, e) >= max(start, b))
    return (score - reference) / (end - start + 1)


Arc = tuple[int, int, float] | tuple[int, int, float, str]
"""An FSG transition (from, to, probability) and the word it says, if any."""


def _transitions(words: tuple[str, ...]) -> list[Arc]:
    """FSG: the wake words from state 0, then any number of catch-all words, to final state 1."""
    path = [0, *range(3, 3 + len(words) - 1), 2]
    arcs: list[Arc] = [(path[i], path[i + 1], 1.0, word) for i, word in enumerate(words)]
    arcs += [(2, 2, 0.9 / len(CATCH_ALL), word) for word in CATCH_ALL]
    arcs.append((2, 1, 0.1))
    return arcs
