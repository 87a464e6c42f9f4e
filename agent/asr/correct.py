"""Home-constrained correction: which of the phrases this home knows did the person say?

A free-form recognizer (Whisper) writes what it heard in its own words; most of its misses on home commands are
one word off a phrase the home knows ("cancel all tires", "set the best lamp to fifty percent"), or carry a
stray word at an edge ("hey turn on the oven", "turn on the oven what"). Each hypothesis of the n-best list, in
order, is looked up in the templates with this home's names (the NLU's exact matcher); the first one a template
says is taken. Failing that, the smallest set of edits, each replacing a word by a word of the home's commands
that is spelled or sounds alike, or dropping a word at an edge, that makes a hypothesis a phrase the home knows
is applied, if it is small. Speech that fits no command that well stays as it was heard, for the NLU and the
rest of the pipeline to answer as such ("I can't help with that" rather than a wrong action).

A transcript that needed any of this is marked as corrected (`Transcript.heard` keeps what was written) and its
confidence is capped, so a corrected request never opens, unlocks or heats without a yes.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence

import jellyfish
from rapidfuzz import fuzz, process

from agent.home import Home
from agent.nlu.jsgf import parse_body, template_grammar, words_of
from agent.nlu.match import TemplateMatcher
from agent.turn import Transcript

MIN_SIMILARITY = 0.7
"""How alike (spelling or sound, 0..1) a replacement word must be to the word written."""
MAX_COST = 0.65
"""The most a correction may change: a replacement costs 1 - similarity, a dropped word `DROP_COST`."""
DROP_COST = 0.3
"""Cost of dropping a word at the start or end of a hypothesis."""
SOUND_WEIGHT = 0.9
"""Sounding alike counts a little less than being spelled alike (metaphone codes are short and coarse)."""
MAX_EDITS = 2
CANDIDATES = 4
"""Replacements considered per word."""
CORRECTED_CONFIDENCE = 0.5
"""The highest confidence a corrected transcript keeps: under every threshold that acts without asking."""


class HomePhrases:
    """The phrases one home's commands can say, for mapping hypotheses onto them."""

    def __init__(self, home: Home) -> None:
        self.matcher = TemplateMatcher(home)
        templates, rules = template_grammar(home)
        bodies = [*rules.values(), *(item for t in templates for item in t.items)]
        self.vocabulary = sorted({word for body in bodies for word in _words(parse_body(body))})
        self._sounds = [jellyfish.metaphone(word) for word in self.vocabulary]
        self._similar: dict[str, list[tuple[str, float]]] = {}

    def says(self, words: Sequence[str]) -> bool:
        """Whether a template of this home says exactly `words`."""
        return bool(words) and bool(self.matcher.match(" ".join(words)))

    def correct(self, transcript: Transcript) -> Transcript:
        """`transcript` mapped onto the phrase of this home it most likely says, or as it was."""
        hypotheses = [words_of(text) for text in (transcript.text, *transcript.alternatives)]
        if not transcript.text or self.says(hypotheses[0]):
            return transcript
        chosen = next((h for h in hypotheses[1:] if self.says(h)), None)
        if chosen is None:
            chosen = next((fixed for h in hypotheses if (fixed := self.nearest(h)) is not None), None)
        if chosen is None:
            return transcript
        text = " ".join(chosen)
        return dataclasses.replace(
            transcript, text=text, heard=transcript.text,
            alternatives=tuple(a for a in (transcript.text, *transcript.alternatives) if a != text),
            confidence=min(transcript.confidence, CORRECTED_CONFIDENCE))

    def nearest(self, words: Sequence[str]) -> tuple[str, ...] | None:
        """The cheapest edit of `words` (within `MAX_COST`, at most `MAX_EDITS` edits) that the home says."""
        edits: list[tuple[float, int, str | None]] = []
        for i, word in enumerate(words):
            edits += [(1.0 - score, i, other) for other, score in self.similar(word)]
            if i in (0, len(words) - 1) and len(words) > 2:
                edits.append((DROP_COST, i, None))
        plans = [((cost,), (edit,)) for cost, *edit in edits]
        for count in range(2, MAX_EDITS + 1):
            plans += [(tuple(c for c, *_ in combo), tuple(tuple(e[1:]) for e in combo))
                      for combo in itertools.combinations(sorted(edits), count)
                      if len({e[1] for e in combo}) == count and sum(e[0] for e in combo) <= MAX_COST]
        for costs, plan in sorted((p for p in plans if sum(p[0]) <= MAX_COST), key=lambda p: sum(p[0])):
            changed = dict(plan)
            fixed = tuple(w for i, word in enumerate(words) if (w := changed.get(i, word)) is not None)
            if self.says(fixed):
                return fixed
        return None

    def similar(self, word: str) -> list[tuple[str, float]]:
        """Words of the home's commands spelled or sounding like `word` (not `word` itself), most alike first."""
        found = self._similar.get(word)
        if found is None:
            best: dict[str, float] = {}
            for other, score, _ in process.extract(word, self.vocabulary, scorer=fuzz.ratio, limit=CANDIDATES * 2,
                                                   score_cutoff=MIN_SIMILARITY * 100):
                best[other] = score / 100
            sound = jellyfish.metaphone(word)
            for _, score, index in process.extract(sound, self._sounds, scorer=fuzz.ratio, limit=CANDIDATES * 2,
                                                   score_cutoff=MIN_SIMILARITY * 100) if sound else ():
                other = self.vocabulary[index]
                best[other] = max(best.get(other, 0.0), SOUND_WEIGHT * score / 100)
            best.pop(word, None)
            found = sorted(((w, s) for w, s in best.items() if s >= MIN_SIMILARITY), key=lambda p: -p[1])[:CANDIDATES]
            self._similar[word] = found
        return found


def _words(ast: tuple) -> list[str]:
    """The words a parsed JSGF body contains (rule references left out)."""
    if ast[0] == "word":
        return [ast[1]]
    if ast[0] == "ref":
        return []
    return [w for item in ast[1] for w in _words(item)]
