"""An absorbing Markov chain over rephrase sequences, solved for the reformulation most likely to succeed.

States are utterances (as spoken words). Each logged turn adds weight to one edge leaving its utterance:
to the utterance the user said next when they rephrased it, to the absorbing state "`v` succeeded" when it
worked (`v` is the utterance itself, or the rewrite that was applied), or to the absorbing failure state
when it failed and the user gave up. Pooled across users, the chain's absorption probabilities
B = N R, with N = (I - Q)^-1 the fundamental matrix, say for every utterance how likely each successful
reformulation ends the session that starts with it (Ponnusamy et al., AAAI 2020).

The chain is solved one connected component at a time: a sparse LU factorisation of (I - Q) for the
component, and one solve per batch of source utterances (rows of N), so memory stays bounded by the largest
component times the batch size, never by the number of utterances squared.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix, identity
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import splu

from agent.rewrite.table import RewriteRule

FAILURE = -1
"""Target of an edge into the absorbing failure state."""
BATCH = 256
"""Source utterances solved together (columns of one dense right-hand side)."""


class Chain:
    """Transition weights between utterances and into the absorbing states, accumulated turn by turn."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.names: list[str] = []
        self.moves: defaultdict[tuple[int, int], float] = defaultdict(float)
        """(source, next utterance) -> weight: rephrases."""
        self.ends: defaultdict[tuple[int, int], float] = defaultdict(float)
        """(source, succeeded utterance or FAILURE) -> weight: absorptions."""

    def id(self, utterance: str) -> int:
        found = self.ids.get(utterance)
        if found is None:
            found = self.ids[utterance] = len(self.names)
            self.names.append(utterance)
        return found

    def rephrase(self, source: str, then: str, weight: float = 1.0) -> None:
        """The user said `source`, it failed, and they said `then`."""
        if source != then:
            self.moves[self.id(source), self.id(then)] += weight
        else:  # the same words again: a retry, which says nothing about a better phrasing
            self.ends[self.id(source), FAILURE] += weight

    def succeed(self, source: str, succeeded: str, weight: float = 1.0) -> None:
        """The user said `source` and `succeeded` (the same words, or the rewrite applied) worked."""
        self.ends[self.id(source), self.id(succeeded)] += weight

    def fail(self, source: str, weight: float = 1.0) -> None:
        """The user said `source`, it failed, and they gave up."""
        self.ends[self.id(source), FAILURE] += weight

    def solve(self, min_support: float = 3.0, min_probability: float = 0.6, min_gain: float = 0.2
              ) -> list[RewriteRule]:
        """Rules for sources said with at least `min_support` weight whose best successful reformulation is
        reached with probability at least `min_probability` and `min_gain` more than the source's own."""
        if not self.names:
            return []
        out, q, r = self._system()
        sources = [int(s) for s in np.flatnonzero(out >= min_support)]
        rules: list[RewriteRule] = []
        for source, targets, probabilities in self._rows(q, r, sources):
            if not len(targets):
                continue
            best = int(np.argmax(probabilities))
            target, probability = int(targets[best]), float(probabilities[best])
            own = np.flatnonzero(targets == source)
            baseline = float(probabilities[own[0]]) if len(own) else 0.0
            if target != source and probability >= min_probability and probability - baseline >= min_gain:
                rules.append(RewriteRule(self.names[source], self.names[target], round(probability, 4),
                                         round(baseline, 4), round(float(out[source]), 4)))
        return sorted(rules, key=lambda rule: (-rule.support, rule.source))

    def absorption(self, utterance: str) -> dict[str, float]:
        """Where sessions starting with `utterance` end: each succeeding utterance and its probability."""
        if utterance not in self.ids:
            return {}
        _, q, r = self._system()
        _, targets, probabilities = next(self._rows(q, r, [self.ids[utterance]]))
        return {self.names[t]: float(p) for t, p in zip(targets, probabilities) if p > 0}

    def _system(self) -> tuple[np.ndarray, csr_matrix, csr_matrix]:
        """Each state's total outgoing weight, Q (rephrases) and R (successes), row-normalised."""
        n = len(self.names)
        out = np.zeros(n)
        for (i, _), w in (*self.moves.items(), *self.ends.items()):
            out[i] += w
        success = {(i, j): w for (i, j), w in self.ends.items() if j != FAILURE}
        return out, _matrix(self.moves, out, n), _matrix(success, out, n)

    @staticmethod
    def _rows(q: csr_matrix, r: csr_matrix, sources: list[int]) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """Absorption rows of `sources`, solved one weakly connected component of Q at a time."""
        _, component = connected_components(q, directed=True, connection="weak")
        members: defaultdict[int, list[int]] = defaultdict(list)
        for state in np.argsort(component, kind="stable"):
            members[int(component[state])].append(int(state))
        wanted: defaultdict[int, list[int]] = defaultdict(list)
        for s in sources:
            wanted[int(component[s])].append(s)
        for comp, chosen in wanted.items():
            yield from _absorption_rows(q, r, members[comp], chosen)


def _matrix(weights: dict[tuple[int, int], float], out: np.ndarray, n: int) -> csr_matrix:
    """Row-normalised n x n sparse matrix of edge weights."""
    if not weights:
        return csr_matrix((n, n))
    (rows, columns), w = zip(*weights.keys()), np.fromiter(weights.values(), float, len(weights))
    i = np.asarray(rows)
    return coo_matrix((w / out[i], (i, np.asarray(columns))), shape=(n, n)).tocsr()


def _absorption_rows(q: csr_matrix, r: csr_matrix, states: list[int], sources: list[int]
                     ) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """For each source: the success states its component can be absorbed into, and the probabilities.

    Row s of B = N R is e_s^T (I - Q)^-1 R: solve (I - Q)^T x = e_s within the source's component, then x^T R.
    """
    index = {state: k for k, state in enumerate(states)}
    system = (identity(len(states), format="csc") - q[states][:, states]).T.tocsc()
    lu = splu(system)
    local_r = r[states]
    targets = np.unique(local_r.indices)
    local_r = local_r[:, targets]
    for start in range(0, len(sources), BATCH):
        batch = sources[start:start + BATCH]
        rhs = np.zeros((len(states), len(batch)))
        for col, s in enumerate(batch):
            rhs[index[s], col] = 1.0
        b = local_r.T @ lu.solve(rhs)
        for col, s in enumerate(batch):
            yield s, targets, np.asarray(b[:, col]).ravel()
