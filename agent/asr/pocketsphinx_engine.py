"""Pocketsphinx recognition with a grammar of the home's commands, falling back to a trigram model of the
home's commands (recombinations the grammar lacks), then to the general English language model.

Confidence: each hypothesis is aligned to the audio once more, forced through its own words, and its acoustic
log-likelihood per frame (first word to last, so surrounding silence does not dilute it) goes through a
logistic curve. On espeak-ng voices of enrolled households, commands the grammar heard right score -1.8 to
-1.0 nats per frame (5th percentile to median; -2.3 to -1.6 at 10 dB SNR), everyday talk forced through the
grammar -7.4 to -2.4 (-5.6 to -2.5 at 10 dB); the curve is centred at -2.5. (The search's own scores cannot
serve: pocketsphinx renormalizes them at every frame, so the best path scores about zero.)

What `finish` returns: while the dialogue expects an answer in the user's own words (`start(free=True)`),
first the transcript of a trigram model of such answers (`agent.teach.examples.answer_sentences`). Then the
grammar's best path; when it is not sure (under 0.9), its n-best alternatives (if it fits at all: 0.3 and up)
and the domain model's transcript too. Only hypotheses of confidence 0.3 and up are offered (0.8 for the
domain model, which fits speech more freely), best first (the grammar's, or while an answer is expected the
answers', ahead unless another fits clearly better: `GRAMMAR_LEAD`); resolution then takes the first that
makes sense in the home ("get the plug going" names no device here; "get the oven going" does). When none is offered, the
English model's transcript is, so everyday talk is heard as what it was.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Iterator, Sequence

import numpy as np
import pocketsphinx

from agent.asr.acoustic import check_model_dir
from agent.asr.grammar import (
    JOINER,
    compile_fsg,
    grammar_hash,
    grammar_words,
    merge_chains,
    split_compounds,
)
from agent.asr.language_model import arpa, home_sentences
from agent.asr.pronounce import pronounce_all
from agent.audio.frames import SAMPLE_RATE, SAMPLE_WIDTH
from agent.audio.levels import dither
from agent.home import Area, Device, Home
from agent.nlu.jsgf import build_jsgf
from agent.teach.examples import answer_sentences
from agent.text import words_of
from agent.turn import Transcript

Segment = tuple[str, int, int, float]
"""A word of a hypothesis: word, first frame, last frame, natural-log acoustic likelihood."""

GRAMMAR, DOMAIN, ANSWERS, LM, FORCED = "home", "domain", "answers", "lm", "forced"
"""Names of the decoders' searches."""
SCORE_CENTRE = -2.5
"""Forced-alignment log-likelihood per frame at which confidence is 0.5."""
SCORE_SLOPE = 3.0
"""Steepness of the confidence curve, per nat per frame."""
OFFER_BAR = 0.3
"""Confidence a hypothesis needs to be offered at all."""
DOMAIN_BAR = 0.8
"""Confidence the domain model's transcript needs: it fits speech more freely than the grammar, and everyday
talk forced onto command words must reach the English model instead."""
ACCENTS = ("en-gb",)
"""Accents whose pronunciations (espeak-ng's) of the home's own names join the US dictionary's: "garage" as
G AE R IH JH too. Only the names: variants of everyday words ("what" as W AA T) blur the confidence of
American speech more than they help British."""
SURE = 0.9
"""Confidence above which the grammar's best path is offered alone; under it, its n-best list (which costs a
lattice) and the domain model's transcript are offered too."""
GRAMMAR_LEAD = 0.1
"""How much better another model's transcript must fit than the grammar's (the answers' while an answer is
expected) to be offered before it: a name the
grammar lacks ("turn on the big light") is forced onto a known one ("kitchen light") at 0.7 while the domain
model hears it at 0.98; a grammar transcript as good as another stays first."""
ALTERNATIVE_BAND = 0.1
"""Alternatives fitting this much worse than the transcript are not offered: resolution would take one that names
a real device ("turn on the light") over a clearly heard unknown name ("turn on the big light") that the agent
should ask about."""
DECODER_OPTIONS: dict[str, float | str | bool] = {"beam": 1e-48, "wbeam": 7e-29, "pbeam": 1e-48, "bestpath": False}
"""pocketsphinx's own pruning, with the Viterbi path as the result instead of a lattice's best path: on 260
dev commands (enrolled voices) 97.7 % / 89.7 % at 10 dB SNR, where narrower beams (1e-30, 1e-20, 1e-30) gave
94.3 / 79.3 % and the lattice 97.7 / 87.4 % at a higher cost. With the grammar's chains folded into compound
words (grammar.merge_chains) it decodes at a real-time factor of about 0.07 (0.11 unfolded)."""
FORCED_OPTIONS: dict[str, float | str | bool] = {"bestpath": True}
"""The forced alignment keeps its lattice: its word scores are absolute, the Viterbi path's are not."""
ENGLISH_OPTIONS: dict[str, float | str | bool] = {"beam": 1e-30, "wbeam": 1e-20, "pbeam": 1e-30}
"""Narrow pruning for the general English model, the last resort: at pocketsphinx's own it decodes at a
real-time factor of 0.25 to 0.45, here at about 0.08."""


class PocketsphinxRecognizer:
    """Recognizes one utterance at a time against the home's grammar, falling back to free-form decoding."""

    def __init__(self, home: Home | None = None, nbest: int = 5,
                 acoustic_model: str | os.PathLike[str] | None = None, **decoder_options: float | str | bool) -> None:
        model = pocketsphinx.get_model_path()
        hmm = str(check_model_dir(acoustic_model)) if acoustic_model else None
        chosen = {"hmm": hmm} if hmm else {}
        self._options = chosen | DECODER_OPTIONS | decoder_options
        self.decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL", **self._options)
        self.aligner = pocketsphinx.Decoder(lm=None, loglevel="FATAL", **chosen, **FORCED_OPTIONS)
        """Scores one hypothesis at a time (see `_confidence`)."""
        self.english = pocketsphinx.Decoder(lm=None, loglevel="FATAL", **chosen, **ENGLISH_OPTIONS)
        """The general English model, for speech no command fits."""
        self.english.add_lm_file(LM, os.path.join(model, "en-us", "en-us.lm.bin"))
        self.answers: pocketsphinx.Decoder | None = None
        """A trigram model of the answers to the agent's questions, with a dictionary of their words only (a
        second n-gram search over the full dictionary would cost seconds at every start)."""
        self.nbest = nbest
        self.grammar_id: str | None = None
        """Fingerprint of the loaded grammar (see grammar.grammar_hash)."""
        self._buffer = bytearray()
        self._free = False
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
        sentences = home_sentences(home)
        missing = sorted({w for s in sentences for w in s if self.decoder.lookup_word(w) is None} - set(phones))
        phones |= pronounce_all(missing)
        for word, said in phones.items():
            if said:
                self.decoder.add_word(word, said, False)
                self.aligner.add_word(word, said, False)
        self._add_accents(home_words(home))
        speakable = [s for s in sentences if all(phones.get(w, True) for w in s)]
        answers = [a for a in (words_of(t) for t in answer_sentences(home)) if a]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "home.arpa")
            with open(path, "w", encoding="utf-8") as out:
                out.write(arpa(speakable))
            if self.grammar_id is not None:
                self.decoder.remove_search(DOMAIN)
            self.decoder.add_lm_file(DOMAIN, path)
            self.answers = self._small_decoder(answers, tmp)
        graph = merge_chains(compile_fsg(jsgf))
        for compound in sorted({w for _, _, w, _ in graph.transitions if w and JOINER in w}):
            for n, said in enumerate(self._compound_phones(compound)):
                self.decoder.add_word(compound if n == 0 else f"{compound}({n + 1})", said, False)
        transitions = [(s, d, p, w) if w else (s, d, p) for s, d, w, p in graph.transitions]
        if self.grammar_id is not None:
            self.decoder.remove_search(GRAMMAR)
        self.decoder.add_fsg(GRAMMAR, self.decoder.create_fsg(GRAMMAR, graph.start, graph.final, transitions))
        self.grammar_id = digest

    def _add_accents(self, words: set[str]) -> None:
        """Add each accent's pronunciation of `words` (espeak-ng's) where the dictionary lacks it."""
        for accent in ACCENTS:
            for word, said in pronounce_all(sorted(words), accent).items():
                known = self._pronunciations(word)
                if said and known and said not in known:
                    variant = f"{word}({len(known) + 1})"
                    self.decoder.add_word(variant, said, False)
                    self.aligner.add_word(variant, said, False)

    def _pronunciations(self, word: str) -> list[str]:
        """Every pronunciation the dictionary has for `word`, the main one first."""
        found: list[str] = []
        while (said := self.decoder.lookup_word(word if not found else f"{word}({len(found) + 1})")):
            found.append(said)
        return found

    def _compound_phones(self, compound: str, limit: int = 4) -> list[str]:
        """Pronunciations of a compound word: its words' pronunciations in sequence (at most `limit` variants)."""
        variants = [""]
        for word in compound.split(JOINER):
            variants = [f"{v} {a}".strip() for v in variants for a in self._pronunciations(word)][:limit]
        return variants

    hears_prefix = False

    def start(self, free: bool = False, prefix: str = "", prefix_s: float = 0.0, names: Sequence[str] = (),
              speaker_dbfs: float | None = None) -> None:
        """Begin a new utterance; `free`: the domain model's transcript comes first (an answer, not a command).
        No `prefix`: the audio starts after the wake phrase. No `names`: the grammar holds the home's words."""
        if self.grammar_id is None:
            raise RuntimeError("no grammar loaded: call use_home(home) first")
        self._free = free
        self._buffer.clear()
        self._rng = np.random.default_rng(0)

    def feed(self, pcm: bytes) -> str | None:
        """Buffer audio (dithered); decoding waits for the whole utterance (batch normalization is far more accurate)."""
        self._buffer += dither(pcm, self._rng)
        return None

    def so_far(self) -> str | None:
        """None: decoding waits for the end, and a grammar's reading is a whole phrase anyway."""
        return None

    def finish(self) -> Transcript:
        """End the utterance: the hypotheses worth offering, best first (see the module's docstring)."""
        began = time.perf_counter()
        audio = bytes(self._buffer)
        offered: dict[str, tuple[float, str]] = {}
        if self._free and audio and self.answers is not None:
            answer, _ = self._decode(ANSWERS, audio, self.answers)
            if answer:
                offered[answer] = (self._confidence(answer, audio), "pocketsphinx-answers")
        text, _ = self._decode(GRAMMAR, audio)
        best = self._confidence(text, audio)
        if best >= OFFER_BAR:
            offered[text] = (best, "pocketsphinx")
        if text and OFFER_BAR <= best < SURE:  # a best path that does not fit has no fitting rivals, and the
            for other in self._alternatives(text):  # n-best search over the lattice of noise takes seconds
                if other not in offered and (score := self._confidence(other, audio)) >= OFFER_BAR:
                    offered[other] = (score, "pocketsphinx")
        if audio and best < SURE:
            found, _ = self._decode(DOMAIN, audio)
            if found not in offered and (score := self._confidence(found, audio)) >= DOMAIN_BAR:
                offered[found] = (score, "pocketsphinx-domain")
        if not offered and audio:
            found, _ = self._decode(LM, audio, self.english)
            offered[found] = (self._confidence(found, audio), "pocketsphinx-lm")
        ranked = _ranked(offered, "pocketsphinx-answers" if self._free else "pocketsphinx")
        confidence, engine = offered.get(ranked[0], (0.0, "pocketsphinx"))
        return Transcript(ranked[0], round(confidence, 3), tuple(ranked[1:]),
                          audio_s=len(audio) / (SAMPLE_RATE * SAMPLE_WIDTH),
                          final_ms=(time.perf_counter() - began) * 1000, engine=engine)

    def _small_decoder(self, sentences: list[tuple[str, ...]], folder: str) -> pocketsphinx.Decoder:
        """A decoder for `sentences` only: their words in its dictionary, their trigram model as `ANSWERS`."""
        said = {w: self.decoder.lookup_word(w) for s in sentences for w in s}
        known = [s for s in sentences if all(said[w] for w in s)]
        dictionary, model = os.path.join(folder, "answers.dict"), os.path.join(folder, "answers.arpa")
        with open(dictionary, "w", encoding="utf-8") as out:
            out.writelines(f"{word} {phones}\n" for word, phones in sorted(said.items()) if phones)
        with open(model, "w", encoding="utf-8") as out:
            out.write(arpa(known))
        decoder = pocketsphinx.Decoder(lm=None, dict=dictionary, loglevel="FATAL", **self._options)
        decoder.add_lm_file(ANSWERS, model)
        return decoder

    def _confidence(self, text: str, audio: bytes) -> float:
        """How well `text` fits the audio: its forced alignment's log-likelihood per frame, mapped into [0, 1]."""
        words = [w for w in words_of(text) if self.aligner.lookup_word(w) is not None]
        if not words or not audio:
            return 0.0
        chain = [(i, i + 1, 1.0, word) for i, word in enumerate(words)]
        self.aligner.add_fsg(FORCED, self.aligner.create_fsg(FORCED, 0, len(words), chain))  # replaces the last
        segments = self._decode(FORCED, audio, self.aligner)[1]
        spoken = [s for s in segments if not _filler(s[0])]
        if not spoken:
            return 0.0
        start, end = spoken[0][1], spoken[-1][2]
        per_frame = sum(s[3] for s in segments if s[1] >= start and s[2] <= end) / (end - start + 1)
        return 1.0 / (1.0 + math.exp(-SCORE_SLOPE * (per_frame - SCORE_CENTRE)))

    def _decode(self, search: str, audio: bytes, decoder: pocketsphinx.Decoder | None = None
                ) -> tuple[str, list[Segment]]:
        """Decode buffered audio with one of the searches: its text and segments."""
        decoder = decoder or self.decoder
        decoder.activate_search(search)
        decoder.start_utt()
        decoder.process_raw(audio, False, True)
        decoder.end_utt()
        hyp = decoder.hyp()
        if hyp is None:
            return "", []
        segments = [(s.word, s.start_frame, s.end_frame, math.log(max(s.ascore, 1e-300)))
                    for s in decoder.seg() or ()]
        return split_compounds(hyp.hypstr), segments

    def _alternatives(self, text: str) -> Iterator[str]:
        """Distinct n-best hypotheses of the grammar search other than `text` (it must have just found it)."""
        seen = {text}
        for hyp, _ in zip(self.decoder.nbest() or (), range(4 * self.nbest)):
            said = split_compounds(hyp.hypstr) if hyp is not None else None
            if said is not None and said not in seen:
                seen.add(said)
                yield said
                if len(seen) > self.nbest:
                    return


def _ranked(offered: dict[str, tuple[float, str]], expected: str) -> list[str]:
    """The offered hypotheses worth passing on, best first: by confidence, those of the `expected` engine (the
    grammar's, or the answers' while an answer is expected) `GRAMMAR_LEAD` ahead;
    without those fitting `ALTERNATIVE_BAND` worse than the best, and without any that is another one with
    words left out and fits no better ("turn on the light" for "turn on the big light"): resolution would take
    it for naming a real device, losing a name the user said that the agent should ask about."""
    texts = [t for t in offered if t and not any(
        _fewer_words(t, other) and offered[other][0] >= offered[t][0] for other in offered)]
    if not texts:
        return [""]
    texts.sort(key=lambda t: offered[t][0] + (GRAMMAR_LEAD if offered[t][1] == expected else 0.0), reverse=True)
    return [t for t in texts if offered[t][0] >= offered[texts[0]][0] - ALTERNATIVE_BAND]


def _fewer_words(text: str, than: str) -> bool:
    """Whether `text` is `than` with words left out."""
    words = iter(than.split())
    return len(text.split()) < len(than.split()) and all(word in words for word in text.split())


def home_words(home: Home) -> set[str]:
    """The words of the home's room and device names and aliases."""
    things: tuple[Area | Device, ...] = (*home.areas, *home.devices)
    names = [n for thing in things for n in (thing.name, *thing.aliases)]
    return {w for name in names for w in words_of(name)}


def _filler(word: str) -> bool:
    """Silence, noise and sentence markers (`<sil>`, `[NOISE]`, `<s>`)."""
    return word.startswith(("<", "["))
