"""Home-constrained correction: which of the phrases this home knows did the person say?

A free-form recognizer (Whisper) writes what it heard in its own words; most of its misses on home commands are
one word off a phrase the home knows ("cancel all tires", "set the best lamp to fifty percent"), or carry a
stray word at an edge ("hey turn on the oven", "turn on the oven what"). Each hypothesis of the n-best list, in
order, is looked up in the templates with this home's names (the NLU's exact matcher); the first one a template
says, and close to the best, is taken. Failing that, the smallest set of edits, each replacing a word by a word
of the home's commands that is spelled or sounds alike, or dropping a word at an edge, that makes a hypothesis a
phrase the home knows is applied, if it is small: the cheapest over the hypotheses, a later one costing a little
more. Speech that fits no command that well stays as it was heard, without its alternatives, for the NLU and the
rest of the pipeline to answer as such ("I can't help with that" rather than a wrong action: with eight
hypotheses of everyday talk, one often parses as a command).

Words sound alike when their phones (CMU dictionary, or espeak-ng for words it lacks) are few edits apart, or
fewer still once similar phones are taken as one (nasals, voiced and voiceless stops, ...): "gains" and "games"
(G EY N Z, G EY M Z), "best" and "desk". Letters are a poor guide to sound ("gains"/"games" share 60 % of them).

A transcript that needed any of this is marked as corrected (`Transcript.heard` keeps what was written) and its
confidence is capped, so a corrected request never opens, unlocks or heats without a yes.

Speech that fits no command even so is listened to once more (`SecondListen`), with the words of everyday commands
in Whisper's prompt; a reading of that second listen is taken only when it is, or corrects to, a phrase the home
knows, and it is marked and capped as a correction.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from agent.asr.pronounce import pronounce_all
from agent.home import Home
from agent.nlu.jsgf import Ast, parse_body, template_grammar
from agent.nlu.match import TemplateMatcher
from agent.text import ARTICLES, words_of
from agent.turn import Transcript

MIN_SIMILARITY = 0.7
"""How alike (spelling or sound, 0..1) a replacement word must be to the word written."""
MAX_COST = 0.65
"""The most a correction may change: a replacement costs 1 - similarity, a dropped word `DROP_COST`."""
DROP_COST = 0.3
"""Cost of dropping a word at the start or end of a hypothesis. Not the first word before an article: what is left
is a fragment ("set the thermostat too" is not "the thermostat too", a follow-up), and the word said what was asked."""
CLASS_WEIGHT = 0.9
"""Sounding alike only once similar phones are taken as one counts a little less."""
PHONE_CLASSES = {
    "M": "N", "NG": "N", "B": "D", "G": "D", "P": "T", "K": "T", "V": "DH", "Z": "DH", "ZH": "DH", "F": "TH",
    "S": "TH", "SH": "TH", "CH": "JH", "IY": "IH", "EY": "EH", "AE": "EH", "AA": "AH", "AO": "AH", "UW": "UH",
    "OW": "UH", "ER": "R", "W": "UH", "Y": "IH", "HH": "",
}
"""Phones that a small recognizer confuses, mapped onto one of them (HH is easily lost)."""
MAX_EDITS = 2
CANDIDATES = 6
"""Replacements considered per word."""
CLOSE_ALTERNATIVE = 0.7
"""How alike (spelling, 0..1) an alternative must be to the best hypothesis to be taken for it: a recognizer's
n-best are variants of one reading ("console all timers", "cancel all timers"), not other sentences."""
RANK_COST = 0.1
"""What taking the n-th close alternative adds to its edits' cost, per rank: "i'll light off" and "all light off"
for "hall light off" fix as dropping "i'll" (0.3) or replacing "all" (0.1 + 0.1), and the second is what was said."""
CORRECTED_CONFIDENCE = 0.5
"""The highest confidence a corrected transcript keeps: under every threshold that acts without asking."""
RELISTEN_LIKENESS = 0.5
"""How alike (spelling, 0..1) the second listen's phrase must be to the first reading: both read the same audio.
A phrase unlike it came from the prompt, not the speech (espeak-ng's "pause" at 10 dB SNR, first "phone", then
"volume up": 0.29); a garbled first reading still looks like what was said ("what i did it", "what time is it":
0.79; "lift on", "next song": 0.5)."""


class HomePhrases:
    """The phrases one home's commands can say, for mapping hypotheses onto them."""

    def __init__(self, home: Home) -> None:
        self.matcher = TemplateMatcher(home)
        templates, rules = template_grammar(home)
        bodies = [*rules.values(), *(item for t in templates for item in t.items)]
        self.vocabulary = sorted({word for body in bodies for word in _words(parse_body(body))})
        self._phones = Phones(self.vocabulary)
        self._sounds = [self._phones.exact(word) for word in self.vocabulary]
        self._classes = [self._phones.coarse(word) for word in self.vocabulary]
        self._similar: dict[str, list[tuple[str, float]]] = {}

    def says(self, words: Sequence[str]) -> bool:
        """Whether a template of this home says exactly `words`."""
        return bool(words) and bool(self.matcher.match(" ".join(words)))

    def correct(self, transcript: Transcript) -> Transcript:
        """`transcript` mapped onto the phrase of this home it most likely says, or as it was."""
        if not transcript.text:
            return transcript
        fitted = self.fitted(transcript)
        return fitted if fitted is not None else dataclasses.replace(transcript, alternatives=())

    def fitted(self, transcript: Transcript) -> Transcript | None:
        """`transcript` (with words) as the phrase of this home it most likely says; None when it fits none well
        enough."""
        hypotheses = [words_of(text) for text in (transcript.text, *transcript.alternatives)]
        if self.says(hypotheses[0]):
            return transcript
        best = " ".join(hypotheses[0])
        close = [h for h in hypotheses[1:] if fuzz.ratio(" ".join(h), best) >= CLOSE_ALTERNATIVE * 100]
        chosen = next((h for h in close if self.says(h)), None)
        if chosen is None:
            fixes = [(fix[0] + rank * RANK_COST, fix[1]) for rank, words in enumerate((hypotheses[0], *close))
                     if (fix := self.nearest(words)) is not None]
            chosen = min(fixes)[1] if fixes else None
        if chosen is None:  # as heard, alone (`correct`): a later stage must not act on an alternative that fits
            return None
        text = " ".join(chosen)
        return dataclasses.replace(
            transcript, text=text, heard=transcript.text,
            alternatives=tuple(a for a in (transcript.text, *transcript.alternatives) if a != text),
            confidence=min(transcript.confidence, CORRECTED_CONFIDENCE))

    def nearest(self, words: Sequence[str]) -> tuple[float, tuple[str, ...]] | None:
        """The cheapest edit of `words` (within `MAX_COST`, at most `MAX_EDITS` edits) that the home says, with
        its cost."""
        edits: list[tuple[float, int, str | None]] = []
        for i, word in enumerate(words):
            edits += [(1.0 - score, i, other) for other, score in self.similar(word)]
            if (i == len(words) - 1 or (i == 0 and words[1] not in ARTICLES)) and len(words) > 2:
                edits.append((DROP_COST, i, None))
        plans: list[tuple[tuple[float, ...], tuple[tuple[int, str | None], ...]]] = [
            ((cost,), ((i, other),)) for cost, i, other in edits]
        for count in range(2, MAX_EDITS + 1):
            plans += [(tuple(c for c, *_ in combo), tuple(e[1:] for e in combo))
                      for combo in itertools.combinations(sorted(edits), count)
                      if len({e[1] for e in combo}) == count and sum(e[0] for e in combo) <= MAX_COST]
        for costs, plan in sorted((p for p in plans if sum(p[0]) <= MAX_COST), key=lambda p: sum(p[0])):
            changed = dict(plan)
            fixed = tuple(w for i, word in enumerate(words) if (w := changed.get(i, word)) is not None)
            if self.says(fixed):
                return sum(costs), fixed
        return None

    def similar(self, word: str) -> list[tuple[str, float]]:
        """Words of the home's commands spelled or sounding like `word` (not `word` itself), most alike first."""
        found = self._similar.get(word)
        if found is None:
            best: dict[str, float] = {}
            for other, score, _ in process.extract(word, self.vocabulary, scorer=fuzz.ratio, limit=CANDIDATES * 2,
                                                   score_cutoff=MIN_SIMILARITY * 100):
                best[other] = score / 100
            for codes, weight, code in ((self._sounds, 1.0, self._phones.exact(word)),
                                        (self._classes, CLASS_WEIGHT, self._phones.coarse(word))):
                for _, score, index in process.extract(code, codes, scorer=Levenshtein.normalized_similarity,
                                                       limit=CANDIDATES * 2, score_cutoff=MIN_SIMILARITY) if code else ():
                    other = self.vocabulary[index]
                    best[other] = max(best.get(other, 0.0), weight * score)
            best.pop(word, None)
            found = sorted(((w, s) for w, s in best.items() if s >= MIN_SIMILARITY), key=lambda p: -p[1])[:CANDIDATES]
            self._similar[word] = found
        return found


class SecondListen:
    """The correction of a recognizer's transcripts, and for one that fits no command of the home, a second listen
    (`relisten`: the same audio decoded with the words of everyday commands in mind), whose reading is taken when
    it is, or corrects to, a phrase the home knows, and looks like the first (`RELISTEN_LIKENESS`).

    On our espeak-ng development commands at 10 dB SNR, Whisper's garbled first readings ("what's the fan
    creature", "hands off") made 147 of 300 right, and 162 with the second listen; Piper's clear commands and
    everyday talk came out as before."""

    def __init__(self, phrases: HomePhrases, relisten: Callable[[], Transcript]) -> None:
        self.phrases = phrases
        self.relisten = relisten

    def __call__(self, transcript: Transcript) -> Transcript:
        fitted = self.phrases.fitted(transcript) if transcript.text else transcript
        if fitted is not None:
            return fitted
        again = self.relisten()
        second = self.phrases.fitted(again) if again.text else None
        if second is None or fuzz.ratio(second.text, transcript.text) < RELISTEN_LIKENESS * 100:
            return dataclasses.replace(transcript, alternatives=(), final_ms=transcript.final_ms + again.final_ms)
        return dataclasses.replace(
            second, heard=transcript.text, final_ms=transcript.final_ms + again.final_ms,
            alternatives=tuple(a for a in (transcript.text, *second.alternatives) if a != second.text),
            confidence=min(second.confidence, CORRECTED_CONFIDENCE))


class Phones:
    """Each word's phones, one character a phone, exactly and by class (see `PHONE_CLASSES`)."""

    def __init__(self, words: Sequence[str]) -> None:
        self._symbols: dict[str, str] = {}
        self._known = _dictionary()
        self._spoken: dict[str, str] = {}
        self._learn(words)

    def exact(self, word: str) -> str:
        self._learn([word])
        return "".join(self._symbol(p) for p in self._spoken[word].split())

    def coarse(self, word: str) -> str:
        self._learn([word])
        return "".join(self._symbol(c) for p in self._spoken[word].split() if (c := PHONE_CLASSES.get(p, p)))

    def _learn(self, words: Sequence[str]) -> None:
        missing = [w for w in words if w not in self._spoken and w not in self._known]
        guessed = pronounce_all(missing) if missing else {}
        for word in words:
            if word not in self._spoken:
                self._spoken[word] = self._known.get(word) or guessed.get(word) or ""

    def _symbol(self, phone: str) -> str:
        return self._symbols.setdefault(phone, chr(0x100 + len(self._symbols)))


@lru_cache(maxsize=1)
def _dictionary() -> dict[str, str]:
    """pocketsphinx's US English pronouncing dictionary (the first pronunciation of each word)."""
    import pocketsphinx

    words: dict[str, str] = {}
    path = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, phones = line.partition(" ")
        if "(" not in word:
            words.setdefault(word, phones.strip())
    return words


def _words(ast: Ast) -> list[str]:
    """The words a parsed JSGF body contains (rule references left out)."""
    if ast[0] == "word":
        return [ast[1]]
    if ast[0] == "ref":
        return []
    return [w for item in ast[1] for w in _words(item)]
