"""The trigram model of the home's commands: a proper distribution, in a format pocketsphinx loads."""

from __future__ import annotations

import math
from pathlib import Path

import pocketsphinx
import pytest

from agent.asr.language_model import arpa, home_sentences
from agent.home import load_home

CORPUS = [("turn", "on", "the", "light"), ("turn", "off", "the", "light"), ("turn", "on", "the", "fan"),
          ("stop",)]


def parse_arpa(text: str) -> tuple[dict[tuple[str, ...], float], dict[tuple[str, ...], float]]:
    """log10 probabilities and back-off weights by n-gram."""
    logp: dict[tuple[str, ...], float] = {}
    backoff: dict[tuple[str, ...], float] = {}
    order = 0
    for line in text.splitlines():
        if line.endswith("-grams:"):
            order = int(line[1])
        elif order and line and not line.startswith("\\"):
            fields = line.split()
            gram = tuple(fields[1:1 + order])
            logp[gram] = float(fields[0])
            if len(fields) > 1 + order:
                backoff[gram] = float(fields[1 + order])
    return logp, backoff


def probability(logp: dict, backoff: dict, gram: tuple[str, ...]) -> float:
    if gram in logp:
        return 10 ** logp[gram]
    return 10 ** backoff.get(gram[:-1], 0.0) * probability(logp, backoff, gram[1:])


@pytest.mark.parametrize("history", [("<s>",), ("<s>", "turn"), ("turn", "on"), ("the",), ("light",), ("on", "fan")])
def test_every_history_is_a_distribution(history: tuple[str, ...]) -> None:
    logp, backoff = parse_arpa(arpa(CORPUS))
    words = [g[0] for g in logp if len(g) == 1 and g != ("<s>",)]
    assert math.isclose(sum(probability(logp, backoff, (*history, w)) for w in words), 1.0, rel_tol=1e-3)


def test_seen_continuations_win_and_unseen_ones_stay_possible() -> None:
    logp, backoff = parse_arpa(arpa(CORPUS))
    seen = probability(logp, backoff, ("turn", "on", "the"))
    assert seen > 0.85
    unseen = probability(logp, backoff, ("off", "the", "fan"))
    assert 0 < unseen < probability(logp, backoff, ("on", "the", "fan"))


def test_pocketsphinx_loads_the_home_model(tmp_path: Path) -> None:
    home = load_home(Path(__file__).parents[1] / "scenarios" / "home.yaml")
    sentences = home_sentences(home, per_intent=10)
    assert len(sentences) > 200 and not any("xlightx" in s for s in sentences)
    path = tmp_path / "home.arpa"
    path.write_text(arpa(sentences))
    model = pocketsphinx.NGramModel.readfile(str(path))
    assert model.size() >= 3
    def score(sentence: str) -> int:  # log score; prob() takes the word, then its history most recent first
        words = sentence.split()
        return sum(model.prob([w, *reversed(words[max(0, i - 2):i])]) for i, w in enumerate(words))

    assert score("turn on the kitchen light") > score("turn the on light kitchen")
    assert score("what time is it") > score("is time it what")
    assert score("i'm a warriors fan") > score("fan warriors a i'm")  # what users teach is heard too
    assert score("how did my team do") > score("do team my did how")
