"""A trigram language model of the home's commands, for speech the grammar does not cover.

The grammar accepts exactly the template phrasings; people combine familiar words in new ways ("turn on the
oven" when the templates only say "preheat the oven"). A back-off trigram model estimated from sentences
generated from the same templates accepts such recombinations while staying on the home's vocabulary, as
Rhasspy does with its sentence-trained language models. Estimation is interpolated absolute discounting,
written as ARPA text, which pocketsphinx loads.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from agent.home import Home
from agent.text import words_of

ORDER = 3
DISCOUNT = 0.7
"""Absolute discount subtracted from every seen n-gram count (Ney et al.: about 0.7 for sparse counts)."""
UNIGRAM_PSEUDOCOUNT = 0.5
"""Added to every word's count, so each word of the vocabulary stays possible."""
SENTENCES_PER_INTENT = 100
BOS, EOS = "<s>", "</s>"

NGram = tuple[str, ...]


def home_sentences(home: Home, per_intent: int = SENTENCES_PER_INTENT, seed: int = 0) -> list[tuple[str, ...]]:
    """Word sequences generated from the NLU templates with this home's names (no placeholder names), and what
    people say to teach the agent (`agent.teach.examples`)."""
    from agent.nlu.generate import generate, is_placeholder
    from agent.teach.examples import teaching_sentences

    sentences = []
    for text in [example.text for example in generate(per_intent, seed, home)] + teaching_sentences(home, seed):
        words = words_of(text)
        if words and not any(map(is_placeholder, words)):
            sentences.append(words)
    return sentences


def arpa(sentences: Iterable[Sequence[str]], order: int = ORDER, discount: float = DISCOUNT) -> str:
    """An ARPA back-off model of `sentences` (interpolated absolute discounting, add-half unigrams)."""
    counts: list[Counter[NGram]] = [Counter() for _ in range(order + 1)]
    for sentence in sentences:
        tokens = (BOS, *sentence, EOS)
        for n in range(1, order + 1):
            for i in range(len(tokens) - n + 1):
                counts[n][tokens[i:i + n]] += 1
    del counts[1][(BOS,)]
    vocabulary = sorted({g[0] for g in counts[1]})
    total = sum(counts[1].values()) + UNIGRAM_PSEUDOCOUNT * len(vocabulary)
    prob: dict[NGram, float] = {(w,): (counts[1][(w,)] + UNIGRAM_PSEUDOCOUNT) / total for w in vocabulary}
    backoff: dict[NGram, float] = {}
    for n in range(2, order + 1):
        by_history: dict[NGram, list[tuple[NGram, int]]] = defaultdict(list)
        for gram, count in counts[n].items():
            by_history[gram[:-1]].append((gram, count))
        for history, grams in by_history.items():
            seen = sum(count for _, count in grams)
            reserved = discount * len(grams) / seen
            for gram, count in grams:
                prob[gram] = (count - discount) / seen + reserved * _lower(prob, backoff, gram[1:])
            left = 1.0 - sum(prob[gram] for gram, _ in grams)
            lower_left = 1.0 - sum(_lower(prob, backoff, gram[1:]) for gram, _ in grams)
            backoff[history] = left / lower_left if lower_left > 0 else 1.0
    return _write(prob, backoff, order)


def _lower(prob: dict[NGram, float], backoff: dict[NGram, float], gram: NGram) -> float:
    """P(last word | shorter history), backing off as the model will."""
    if gram in prob:
        return prob[gram]
    return backoff.get(gram[:-1], 1.0) * _lower(prob, backoff, gram[1:])


def _write(prob: dict[NGram, float], backoff: dict[NGram, float], order: int) -> str:
    grams = [sorted(g for g in prob if len(g) == n) for n in range(1, order + 1)]
    grams[0] = [(BOS,), *grams[0]]
    lines = ["\\data\\", *(f"ngram {n}={len(g)}" for n, g in enumerate(grams, 1))]
    for n, level in enumerate(grams, 1):
        lines += ["", f"\\{n}-grams:"]
        for gram in level:
            logp = -99.0 if gram == (BOS,) else math.log10(prob[gram])
            line = f"{logp:.5f} {' '.join(gram)}"
            if n < order and gram in backoff:
                line += f" {math.log10(backoff[gram]):.5f}"
            lines.append(line)
    return "\n".join([*lines, "", "\\end\\", ""])
