"""The home's command grammar (agent.nlu.jsgf) compiled into the word graph a pocketsphinx decoder searches."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from agent.nlu.jsgf import TOP_RULE, Ast, parse_body

GRAMMAR_VERSION = 2
"""Bumped whenever the shape of generated grammars changes."""
_WORD = re.compile(r"[a-z0-9']+")


def grammar_hash(jsgf: str) -> str:
    """A short fingerprint of a grammar (its text and GRAMMAR_VERSION), to know when to regenerate."""
    return hashlib.sha256(f"{GRAMMAR_VERSION}\n{jsgf}".encode()).hexdigest()[:16]


def grammar_words(jsgf: str) -> set[str]:
    """Every word the grammar can produce."""
    bodies = (line.partition("=")[2] for line in jsgf.splitlines() if "=" in line)
    return {word for body in bodies for word in _WORD.findall(re.sub(r"<[^>]*>", " ", body))}


Transition = tuple[int, int, str | None, float]


@dataclass(frozen=True)
class WordGraph:
    """A grammar compiled to a minimal deterministic word graph: what a pocketsphinx FSG is built from."""

    start: int
    final: int
    """The one final state; former final states reach it by a null transition (word None)."""
    transitions: tuple[Transition, ...]
    """(from, to, word, probability); every path from a state is equally likely."""

    @property
    def states(self) -> int:
        return 1 + max(max(src, dst) for src, dst, _, _ in self.transitions)


def compile_fsg(jsgf: str) -> WordGraph:
    """Compile a grammar written by `build_jsgf` (no repetition) into a minimal deterministic word graph."""
    rules = {m[1]: m[2] for m in re.finditer(r"^(?:public )?<(\w+)> = (.*);$", jsgf, re.MULTILINE)}
    nfa = _Nfa({name: parse_body(body) for name, body in rules.items()})
    end = nfa.build(("ref", TOP_RULE), 0)
    return _minimize(*_determinize(nfa, end))


JOINER = "_"
"""Joins the words of a compound ("living_room_ceiling_light")."""
MAX_FANOUT = 8
"""A state entered by one word is folded into its successors when it has at most this many."""


def merge_chains(graph: WordGraph) -> WordGraph:
    """The same language with fewer states: a state left by one word, or entered by one word and left by a few,
    is folded into compound words ("turn" "on" -> "turn_on").

    pocketsphinx's grammar search does work for every state of the graph on every frame, whether or not a
    path is there, so decoding time grows with the state count; compound words cost nothing extra there.
    Null transitions, the start and the final state are kept as they are."""
    transitions = list(graph.transitions)
    changed = True
    while changed:
        changed = False
        leaving: dict[int, list[int]] = {}
        entering: dict[int, list[int]] = {}
        for i, (src, dst, _, _) in enumerate(transitions):
            leaving.setdefault(src, []).append(i)
            entering.setdefault(dst, []).append(i)
        gone: set[int] = set()
        added: list[Transition] = []
        for state, outs in leaving.items():
            ins = entering.get(state, [])
            if state in (graph.start, graph.final) or not ins or gone.intersection(ins + outs):
                continue
            if any(transitions[i][2] is None for i in ins + outs) or any(transitions[o][1] == state for o in outs):
                continue
            if len(outs) == 1 or (len(ins) == 1 and len(outs) <= MAX_FANOUT):
                added += [(src, dst, f"{first}{JOINER}{second}", p * q)
                          for src, _, first, p in map(transitions.__getitem__, ins)
                          for _, dst, second, q in map(transitions.__getitem__, outs)]
                gone.update(ins + outs)
                changed = True
        transitions = [t for i, t in enumerate(transitions) if i not in gone] + added
    return _renumbered(graph.start, graph.final, transitions)


def _renumbered(start: int, final: int, transitions: list[Transition]) -> WordGraph:
    """States numbered 0..n-1, start first and final last."""
    used = sorted(({s for s, _, _, _ in transitions} | {d for _, d, _, _ in transitions}) - {start, final})
    number = {start: 0, **{s: i for i, s in enumerate(used, 1)}, final: len(used) + 1}
    return WordGraph(0, number[final], tuple((number[s], number[d], w, p) for s, d, w, p in transitions))


def split_compounds(text: str) -> str:
    """A transcript with compound words written as their words."""
    return text.replace(JOINER, " ")


class _Nfa:
    """A word automaton with null transitions, built by inlining rules (Thompson construction)."""

    def __init__(self, rules: dict[str, Ast]) -> None:
        self.rules = rules
        self.words: list[list[tuple[str, int]]] = [[]]
        self.nulls: list[list[int]] = [[]]

    def state(self) -> int:
        self.words.append([])
        self.nulls.append([])
        return len(self.words) - 1

    def build(self, ast: Ast, start: int) -> int:
        """Add `ast` (a parsed JSGF body) from state `start`; returns its end state."""
        if ast[0] == "word":
            end = self.state()
            self.words[start].append((ast[1], end))
            return end
        if ast[0] == "ref":
            return self.build(self.rules[ast[1]], start)
        if ast[0] == "seq":
            for item in ast[1]:
                start = self.build(item, start)
            return start
        end = self.state()
        for option in ast[1]:
            self.nulls[self.build(option, start)].append(end)
        if ast[2]:
            self.nulls[start].append(end)
        return end


def _determinize(nfa: _Nfa, end: int) -> tuple[list[dict[str, int]], list[bool]]:
    """Subset construction: the deterministic automaton's arcs per state, and which states are final."""
    closures: dict[int, frozenset[int]] = {}

    def closure(state: int) -> frozenset[int]:
        if state not in closures:
            seen, todo = {state}, [state]
            while todo:
                for nxt in nfa.nulls[todo.pop()]:
                    if nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
            closures[state] = frozenset(seen)
        return closures[state]

    ids: dict[frozenset[int], int] = {closure(0): 0}
    todo = [closure(0)]
    arcs: list[dict[str, int]] = []
    finals: list[bool] = []
    while todo:
        subset = todo.pop()
        moves: dict[str, set[int]] = {}
        for state in subset:
            for word, dst in nfa.words[state]:
                moves.setdefault(word, set()).update(closure(dst))
        out = {}
        for word, targets in moves.items():
            key = frozenset(targets)
            if key not in ids:
                ids[key] = len(ids)
                todo.append(key)
            out[word] = ids[key]
        index = ids[subset]
        arcs.extend({} for _ in range(index + 1 - len(arcs)))
        finals.extend(False for _ in range(index + 1 - len(finals)))
        arcs[index], finals[index] = out, end in subset
    return arcs, finals


def _minimize(arcs: list[dict[str, int]], finals: list[bool]) -> WordGraph:
    """Merge states with the same continuations (the automaton is acyclic), numbering from 0 = start."""
    classes: dict[int, int] = {}
    signatures: dict[tuple[bool, tuple[tuple[str, int], ...]], int] = {}

    def visit(state: int) -> int:
        if state not in classes:
            signature = (finals[state], tuple(sorted((w, visit(d)) for w, d in arcs[state].items())))
            classes[state] = signatures.setdefault(signature, len(signatures))
        return classes[state]

    visit(0)
    order = {cls: i for i, cls in enumerate(sorted(set(classes.values()), key=lambda c: c != classes[0]))}
    final = len(order)
    transitions: list[Transition] = []
    for (is_final, out), cls in signatures.items():
        share = 1.0 / (len(out) + is_final)
        transitions += [(order[cls], order[dst], word, share) for word, dst in out]
        if is_final:
            transitions.append((order[cls], final, None, 1.0))
    return WordGraph(0, final, tuple(transitions))
