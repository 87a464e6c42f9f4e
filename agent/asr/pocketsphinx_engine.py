"""Pocketsphinx recognition with a grammar of the home's commands, and a free-form language model fallback.

Confidence: the grammar path's acoustic log-likelihood per frame is compared with that of an unconstrained
phone loop over the same audio. Speech the grammar covers scores close to the phone loop (about -3.5 nats
per frame with the bundled model); speech it does not cover is forced through wrong words and scores far
below it (-4.5 and lower). A logistic curve centred between the two maps the difference into [0, 1].
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator

import pocketsphinx

from agent.asr.grammar import build_jsgf, compile_fsg, grammar_hash, grammar_words
from agent.asr.pronounce import pronounce_all
from agent.audio.frames import SAMPLE_RATE, SAMPLE_WIDTH
from agent.home import Home
from agent.turn import Transcript

GRAMMAR, PHONES, LM = "home", "phones", "lm"
"""Names of the decoder's searches."""
GAP_CENTRE = -4.2
"""Grammar-minus-phone-loop log-likelihood per frame at which confidence is 0.5."""
GAP_SLOPE = 3.0
"""Steepness of the confidence curve, per nat per frame."""
DECODER_OPTIONS: dict[str, float | str | bool] = {"beam": 1e-30, "wbeam": 1e-20, "pbeam": 1e-30}
"""Pruning narrower than pocketsphinx's defaults (1e-48, 7e-29, 1e-48): grammar decoding at a real-time
factor of about 0.07 instead of 0.12 on synthesized commands, with the same words recognized."""


class PocketsphinxRecognizer:
    """Recognizes one utterance at a time against the home's grammar, falling back to free-form decoding."""

    def __init__(self, home: Home | None = None, fallback_below: float = 0.5, nbest: int = 5,
                 **decoder_options: float | str | bool) -> None:
        model = pocketsphinx.get_model_path()
        self.decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL", **(DECODER_OPTIONS | decoder_options))
        self.decoder.add_allphone_file(PHONES, os.path.join(model, "en-us", "en-us-phone.lm.bin"))
        self.lm_path = os.path.join(model, "en-us", "en-us.lm.bin")
        self.fallback_below = fallback_below
        """Confidence under which the grammar's hypothesis is replaced by the language model's."""
        self.nbest = nbest
        self.grammar_id: str | None = None
        """Fingerprint of the loaded grammar (see grammar.grammar_hash)."""
        self._lm_loaded = False
        self._buffer = bytearray()
        if home is not None:
            self.use_home(home)

    def use_home(self, home: Home) -> None:
        """Load the grammar of `home`, unless the same grammar is already loaded."""
        jsgf = build_jsgf(home)
        missing = [w for w in sorted(grammar_words(jsgf)) if self.decoder.lookup_word(w) is None]
        phones = pronounce_all(missing)
        unspeakable = {word for word, said in phones.items() if not said}
        if unspeakable:
            jsgf = build_jsgf(home, lambda word: word not in unspeakable)
        digest = grammar_hash(jsgf)
        if digest == self.grammar_id:
            return
        for word, said in phones.items():
            if said:
                self.decoder.add_word(word, said, False)
        graph = compile_fsg(jsgf)
        fanout: dict[int, int] = {}
        for src, _, _ in graph.transitions:
            fanout[src] = fanout.get(src, 0) + 1
        transitions = [(s, d, 1.0 / fanout[s], w) if w else (s, d, 1.0) for s, d, w in graph.transitions]
        fsg = self.decoder.create_fsg(GRAMMAR, graph.start, graph.final, transitions)
        if self.grammar_id is not None:
            self.decoder.remove_search(GRAMMAR)
        self.decoder.add_fsg(GRAMMAR, fsg)
        self.grammar_id = digest

    def start(self) -> None:
        """Begin a new utterance."""
        if self.grammar_id is None:
            raise RuntimeError("no grammar loaded: call use_home(home) first")
        self._buffer.clear()

    def feed(self, pcm: bytes) -> str | None:
        """Buffer audio; decoding waits for the whole utterance (batch normalization is far more accurate)."""
        self._buffer += pcm
        return None

    def finish(self) -> Transcript:
        """End the utterance: the grammar's transcript, or the language model's when the grammar fits badly."""
        began = time.perf_counter()
        audio = bytes(self._buffer)
        text, acoustic = self._decode(GRAMMAR, audio)
        alternatives = tuple(self._alternatives(text))
        frames = max(1, self.decoder.n_frames())
        reference = self._decode(PHONES, audio)[1]
        confidence = _confidence(acoustic, reference, frames) if text else 0.0
        engine = "pocketsphinx"
        if confidence < self.fallback_below and audio:
            lm_text, lm_acoustic = self._decode(self._lm(), audio)
            if lm_text:
                confidence = _confidence(lm_acoustic, reference, frames)
                text, alternatives, engine = lm_text, (), "pocketsphinx-lm"
        return Transcript(text, round(confidence, 3), alternatives, audio_s=len(audio) / (SAMPLE_RATE * SAMPLE_WIDTH),
                          final_ms=(time.perf_counter() - began) * 1000, engine=engine)

    def _lm(self) -> str:
        """The free-form search, loaded on first use."""
        if not self._lm_loaded:
            self.decoder.add_lm_file(LM, self.lm_path)
            self._lm_loaded = True
        return LM

    def _decode(self, search: str, audio: bytes) -> tuple[str, float]:
        """Decode buffered audio with another search: its text and acoustic log-likelihood."""
        self.decoder.activate_search(search)
        self.decoder.start_utt()
        self.decoder.process_raw(audio, False, True)
        self.decoder.end_utt()
        return self._result()

    def _result(self) -> tuple[str, float]:
        """The current hypothesis and the natural-log acoustic likelihood of its path."""
        hyp = self.decoder.hyp()
        if hyp is None:
            return "", -math.inf
        segments = self.decoder.seg() or ()
        return hyp.hypstr, sum(math.log(max(s.ascore, 1e-300)) for s in segments)

    def _alternatives(self, text: str) -> Iterator[str]:
        """Distinct n-best hypotheses other than `text`."""
        if not text:
            return
        seen = {text}
        for hyp, _ in zip(self.decoder.nbest() or (), range(4 * self.nbest)):
            if hyp is not None and hyp.hypstr not in seen:
                seen.add(hyp.hypstr)
                yield hyp.hypstr
                if len(seen) > self.nbest:
                    return


def _confidence(acoustic: float, reference: float, frames: int) -> float:
    """Logistic map of the per-frame log-likelihood gap between a hypothesis and the phone loop."""
    if not math.isfinite(acoustic) or not math.isfinite(reference):
        return 0.0
    gap = (acoustic - reference) / frames
    return 1.0 / (1.0 + math.exp(-GAP_SLOPE * (gap - GAP_CENTRE)))
