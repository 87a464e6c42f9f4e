"""Online rewrites: a request the user's own habits (or, failing that, everyone's) say more completely.

Two layers of retrieval over requests that worked, ranked by how alike they sound and how habitual they are:

- **personal**: this user's successful requests on this satellite ("what's the weather in wilkerson" is
  this user's "what's the weather in wilkerson california", said here four times);
- **global**: everyone's, used only when the personal layer has nothing, and held to a higher bar
  (more uses, several users), so one household's habit never leaks into another's requests.

A request is only rewritten if it never worked as said in that layer (a working request is never
rewritten), the candidate contains all its words, or sounds like it where the request has words that never
worked for anyone ("chicken"; never "on" for "off": opposites are never swapped), and the candidate
dominates the alternatives (`MIN_SHARE` of their uses). Context weighs the uses: the satellite chooses the
personal layer, a use at the same time of day (night, morning, afternoon, evening) counts double, so
"turn on the light" can mean the kitchen's in the morning and the bedroom's at night, and device states rule
out candidates that would change nothing ("kitchen light" is the habitual "turn on the kitchen light" while
it is off, "turn off the kitchen light" while it is on). Candidates come from an inverted index on words, so
a rewrite costs well under a millisecond whatever the log's size.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from agent.clock import part_of_day
from agent.feedback.rephrase import sound_key
from agent.feedback.signals import label
from agent.log.reader import LoggedTurn, conversations
from agent.nlu.vocab import OPPOSITES
from agent.states import state_words
from agent.text import spoken
from agent.turn import Outcome, Rewrite

if TYPE_CHECKING:
    from agent.context import TurnContext

PERSONAL, GLOBAL = "personal", "global"
Meaning = tuple[str | None, tuple[str, ...]]
"""What a request did: its intent and the devices it acted on."""
MIN_SHARE = 0.6
"""The candidate's share of the uses of every candidate that passes the similarity bar."""
STARTUP_TURNS = 100_000
"""The latest logged turns the agent learns habits from when it starts."""
MAX_CANDIDATES = 200
"""Requests scored per rewrite (those sharing the query's rarest known word)."""
SWITCHED_TO = {"HassTurnOn": "on", "HassTurnOff": "off"}
"""The state a request of each intent leaves its devices in (a candidate whose devices are all in it already
would change nothing)."""


@dataclass(frozen=True)
class LayerBar:
    """What a candidate needs in one layer."""

    min_uses: int
    min_users: int
    min_similarity: float
    """Similarity of the Metaphone keys, 0..100, for a candidate that does not contain all the words."""


BARS = {PERSONAL: LayerBar(3, 1, 85.0), GLOBAL: LayerBar(10, 3, 90.0)}


class Layer:
    """Successful requests, with how often, when and by how many users, and an inverted index on their words."""

    def __init__(self) -> None:
        self.uses: Counter[str] = Counter()
        self.uses_at: Counter[tuple[str, int]] = Counter()
        """(utterance, part of day) -> uses."""
        self.users: defaultdict[str, set[str]] = defaultdict(set)
        self.index: defaultdict[str, set[str]] = defaultdict(set)
        self.meaning: dict[str, Meaning] = {}
        """What each request last did: its intent and the devices it acted on."""

    def add(self, utterance: str, user: str, part: int, meaning: Meaning = (None, ())) -> None:
        if utterance not in self.uses:
            for word in set(utterance.split()):
                self.index[word].add(utterance)
        self.meaning[utterance] = meaning
        self.uses[utterance] += 1
        self.uses_at[utterance, part] += 1
        self.users[utterance].add(user)

    def remove(self, utterance: str, part: int) -> None:
        """Take back one use (the user rejected the answer after all)."""
        if self.uses_at[utterance, part] > 0:
            self.uses_at[utterance, part] -= 1
        if self.uses[utterance] <= 1:
            self.uses.pop(utterance, None)
            self.meaning.pop(utterance, None)
            for word in set(utterance.split()):
                self.index[word].discard(utterance)
        else:
            self.uses[utterance] -= 1

    def best(self, query: str, bar: LayerBar, part: int, vocabulary: Layer,
             idle: Callable[[Meaning], bool] = lambda _: False) -> tuple[str, float] | None:
        """The dominant habit that says `query` more completely or more rightly, with its share of the
        (time-weighted) uses; `vocabulary` says which words ever worked, `idle` which meanings would change
        nothing now."""
        if self.uses[query] > 0:
            return None
        words = set(query.split())
        known = [w for w in words if w in self.index]
        if not known:
            return None
        rarest = min(known, key=lambda w: len(self.index[w]))
        pool = sorted(self.index[rarest], key=lambda u: -self.uses[u])[:MAX_CANDIDATES]
        said, unheard = sound_key(query), {w for w in words if w not in vocabulary.index}

        def fits(candidate: str) -> bool:
            if idle(self.meaning.get(candidate, (None, ()))):
                return False
            theirs = set(candidate.split())
            if words <= theirs:  # says it more completely
                return True
            return (bool(unheard) and words - unheard <= theirs and not _opposed(words, theirs)
                    and fuzz.ratio(said, sound_key(candidate)) >= bar.min_similarity)  # says it more rightly

        passing = [u for u in pool if fits(u)]
        if not passing:
            return None
        weight = {u: self.uses[u] + self.uses_at[u, part] for u in passing}
        top = max(passing, key=weight.__getitem__)
        share = weight[top] / sum(weight.values())
        if self.uses[top] < bar.min_uses or len(self.users[top]) < bar.min_users or share < MIN_SHARE:
            return None
        return top, share


class OnlineRewriter:
    """Learns from every successful turn as it happens; rewrites from the personal layer, then the global."""

    def __init__(self) -> None:
        self.personal: defaultdict[tuple[str, str], Layer] = defaultdict(Layer)
        self.everyone = Layer()
        self.learning = True
        """False freezes the layers (the A/B's test days): requests are still rewritten, nothing is learned."""

    def observe(self, user: str, device: str, text: str, at: float, meaning: Meaning = (None, ())) -> None:
        """A request that worked, said at epoch seconds `at`, with what it did."""
        utterance = spoken(text)
        if utterance and self.learning:
            self.personal[user, device].add(utterance, user, part_of_day(at), meaning)
            self.everyone.add(utterance, user, part_of_day(at), meaning)

    def learn(self, turns: Iterable[LoggedTurn]) -> None:
        """Observe the logged turns that worked: succeeded as said, and the user did not reject them."""
        for conversation in conversations(turns):
            for turn, said in zip(conversation, label([t.view for t in conversation])):
                view = turn.view
                if view.outcome == Outcome.SUCCESS and turn.rewritten is None and not said.defect:
                    self.observe(view.user, view.device, view.text, view.started_at, (view.intent, turn.devices))

    def forget(self, user: str, device: str, text: str, at: float) -> None:
        """A request observed as working (said at `at`) was rejected by the next turn."""
        utterance = spoken(text)
        if self.learning and utterance in self.personal[user, device].uses:
            self.personal[user, device].remove(utterance, part_of_day(at))
            self.everyone.remove(utterance, part_of_day(at))

    def rewrite(self, text: str, ctx: TurnContext | None = None) -> Rewrite | None:
        query = spoken(text)
        if not query or ctx is None:
            return None
        mine = self.personal.get((ctx.user, ctx.satellite_id))
        part = part_of_day(ctx.now)
        idle = partial(_changes_nothing, ctx)
        # the global layer holds every personal use, so a request that works for this user passes both by
        for layer, found in ((PERSONAL, mine.best(query, BARS[PERSONAL], part, self.everyone, idle) if mine else None),
                             (GLOBAL, self.everyone.best(query, BARS[GLOBAL], part, self.everyone, idle))):
            if found is not None:
                target, share = found
                return Rewrite(target, text, f"online:{layer}", round(share, 4))
        return None


def _changes_nothing(ctx: TurnContext, meaning: Meaning) -> bool:
    """Whether a request that did `meaning` would leave the home as it is now (its devices already so)."""
    intent, devices = meaning
    wanted = SWITCHED_TO.get(intent or "")
    if not wanted or not devices:
        return False
    known = [device for d in devices if (device := ctx.home.device(d)) is not None]
    return bool(known) and all(wanted in state_words(device, ctx.states.get(device.id)) for device in known)


def _opposed(said: set[str], candidate: set[str]) -> bool:
    """Whether the candidate trades a word of the request for its opposite ("on" for "off")."""
    return any(frozenset((a, b)) in OPPOSITES for a in said - candidate for b in candidate - said)
