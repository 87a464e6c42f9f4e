"""Wake phrase spotting with pocketsphinx: the start of each stretch of speech is decoded with a small grammar
in which the wake phrase competes with a loop of catch-all words.

Keyphrase search (`add_keyphrase`) was tried first and detected under a quarter of espeak-ng wake phrases at
thresholds that already woke falsely; the catch-all grammar, decoded on whole windows with batch cepstral
normalization, is far more reliable.
"""

from __future__ import annotations

import math
from collections import deque

import pocketsphinx

from agent.asr.pronounce import pronounce_all
from agent.audio.frames import FRAME_MS, SAMPLE_RATE, SAMPLE_WIDTH
from agent.turn import WakeEvent

SEARCH = "wake"
DEFAULT_THRESHOLD = 0.3
"""Prior probability of the wake branch against the catch-all words: higher detects more and wakes falsely more."""
WINDOW_S = 1.8
"""Audio decoded from the onset of speech: long enough for the wake phrase at a slow pace."""
PREROLL_S = 0.45
"""Audio kept from before the voice activity detector noticed speech."""
CATCH_ALL = (
    "a the to and of i it is in you that he she we they hey hay hi high he'd hate eight hail hair say okay they'd "
    "may may day play stay home hole whole hold holm comb come phone foam own alone known hope open home's "
    "how house who hum hung him hem hello oh so go no know low show ho hot hug ham hem mom moan gnome roam "
    "what when where why yes yeah well will would hm um uh ah the a on off turn light set play stop"
).split()
"""Words the wake phrase competes with: its near-homophones and frequent short words."""


class PocketsphinxWake:
    """Spots `phrase` in a 16 kHz mono int16 stream; quiet for `cooldown_s` after each detection."""

    def __init__(self, phrase: str = "hey home", threshold: float = DEFAULT_THRESHOLD,
                 cooldown_s: float = 2.0) -> None:
        self.phrase = phrase
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self.words = tuple(phrase.lower().split())
        self.decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL")
        fillers = tuple(dict.fromkeys(w for w in CATCH_ALL if w not in self.words))
        missing = [w for w in (*self.words, *fillers) if self.decoder.lookup_word(w) is None]
        phones = pronounce_all(missing)
        for word in missing:
            if not phones[word]:
                raise ValueError(f"cannot pronounce wake word {word!r}")
            self.decoder.add_word(word, phones[word], False)
        fsg = self.decoder.create_fsg(SEARCH, 0, 1, _transitions(self.words, fillers, threshold))
        self.decoder.add_fsg(SEARCH, fsg)
        self.decoder.activate_search(SEARCH)
        self.endpointer = pocketsphinx.Endpointer(sample_rate=SAMPLE_RATE, frame_length=FRAME_MS / 1000)
        self._preroll: deque[bytes] = deque(maxlen=max(1, round(PREROLL_S * 1000 / FRAME_MS)))
        self._window = bytearray()
        self._window_start_s = 0.0
        self._checked = False
        self._stream_s = 0.0
        self._quiet_until = -math.inf
        self._pending = bytearray()

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
            frame = bytes(self._pending[:size])
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
        return None

    def _check(self) -> WakeEvent | None:
        """Decode the window: an event when it starts with the wake phrase."""
        self._checked = True
        self.decoder.start_utt()
        self.decoder.process_raw(bytes(self._window), False, True)
        self.decoder.end_utt()
        segments = [s for s in self.decoder.seg() or () if s.word.split("(")[0] in (*self.words, *CATCH_ALL)]
        said = tuple(s.word.split("(")[0] for s in segments[:len(self.words)])
        if said != self.words:
            return None
        at_s = self._window_start_s + (segments[len(self.words) - 1].end_frame + 1) / 100
        if at_s < self._quiet_until:
            return None
        self._quiet_until = at_s + self.cooldown_s
        score = min(min(s.prob, 1.0) for s in segments[:len(self.words)])
        return WakeEvent(self.phrase, round(score, 3), at_s=round(at_s, 2))


def _transitions(words: tuple[str, ...], fillers: tuple[str, ...], prior: float) -> list[tuple]:
    """FSG: state 0 starts either the wake phrase (probability `prior`) or a loop of catch-all words."""
    loop, chain = 2, list(range(3, 3 + len(words) - 1))
    arcs: list[tuple] = []
    path = [0, *chain, loop]
    arcs += [(path[i], path[i + 1], prior if i == 0 else 1.0, word) for i, word in enumerate(words)]
    arcs += [(0, loop, (1 - prior) / len(fillers), word) for word in fillers]
    arcs += [(loop, loop, 0.9 / len(fillers), word) for word in fillers]
    arcs.append((loop, 1, 0.1))
    return arcs
