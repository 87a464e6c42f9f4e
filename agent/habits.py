"""Habits: what each user usually chooses when a request leaves it open, learned from their turns with decay.

- what they play: "play some music" is jazz for someone who only ever asks for jazz;
- which light of the room, and how bright, at this time of day: "turn on the light" in the bedroom at night
  is the bedside lamp at 30 % for someone who always asks for that at night;
- what they do right after something happens (see `agent.moments`): "start brewing" right after the alarm
  is the coffee maker for someone who always turns it on then, and the kettle for someone who makes tea.

Every successful turn that named its choice adds one to it; weights halve every `HALF_LIFE_DAYS`, so last
month's habit yields to this week's. A choice is the habit once it has `MIN_WEIGHT` and `MIN_SHARE` of the
(decayed) weight of that user's choices. Turns that left the choice open are not counted, so a habit never
reinforces itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from typing import Any

from agent.clock import part_of_day
from agent.home import Home
from agent.log.reader import LoggedTurn
from agent.turn import Outcome

HALF_LIFE_DAYS = 14.0
MIN_WEIGHT = 2.0
MIN_SHARE = 0.6
LIGHT_INTENTS = frozenset({"HassTurnOn", "HassLightSet"})


def play_key(user: str) -> tuple[str, ...]:
    return ("play", user)


def light_key(user: str, area: str | None, at: float) -> tuple[Any, ...]:
    return ("light", user, area, part_of_day(at))


def after_key(user: str, moment: str, intent: str) -> tuple[str, ...]:
    return ("after", user, moment, intent)


class Habits:
    """Decayed counts of each user's choices, by what the choice was for."""

    def __init__(self, home: Home) -> None:
        self.home = home
        self._seen: defaultdict[tuple[Any, ...], dict[Hashable, tuple[float, float]]] = defaultdict(dict)
        """key -> choice -> (weight, when it was last updated)."""

    def add(self, key: tuple[Any, ...], choice: Hashable, at: float) -> None:
        weight, then = self._seen[key].get(choice, (0.0, at))
        self._seen[key][choice] = (weight * _decay(at - then) + 1.0, at)

    def usual(self, key: tuple[Any, ...], at: float) -> Any:
        """The habitual choice for `key` at `at`, or None when there is no clear one."""
        weights = {choice: weight * _decay(at - then) for choice, (weight, then) in self._seen.get(key, {}).items()}
        if not weights:
            return None
        best = max(weights, key=weights.__getitem__)
        return best if weights[best] >= MIN_WEIGHT and weights[best] >= MIN_SHARE * sum(weights.values()) else None

    def observe(self, user: str, area: str | None, intent: str | None, slots: dict[str, Any],
                devices: Iterable[str], at: float, moment: str | None = None) -> None:
        """A successful turn (said at `moment`, if any): count the choice it named, if it named one."""
        if intent == "HassMediaSearchAndPlay" and slots.get("search_query"):
            self.add(play_key(user), str(slots["search_query"]).lower(), at)
        chosen = tuple(devices)
        if intent is None or not slots.get("name") or not chosen:
            return
        if moment is not None:
            self.add(after_key(user, moment, intent), chosen, at)
        if intent not in LIGHT_INTENTS:
            return
        lights = [self.home.device(d) for d in chosen]
        if all(d is not None and d.type == "light" and d.area == area for d in lights):
            brightness = slots.get("brightness")
            self.add(light_key(user, area, at), (chosen, int(float(brightness)) if brightness else None), at)

    def watching(self, turns: Iterable[LoggedTurn]) -> Iterator[LoggedTurn]:
        """Pass `turns` through, observing the successful ones on the way (habits and the online rewriter
        learn from one read of the log)."""
        for turn in turns:
            view = turn.view
            if view.outcome == Outcome.SUCCESS and turn.rewritten is None:
                self.observe(view.user, turn.area, view.intent, turn.slots, turn.devices, view.started_at,
                             turn.just_happened)
            yield turn


def _decay(seconds: float) -> float:
    return float(0.5 ** (max(0.0, seconds) / (HALF_LIFE_DAYS * 86_400)))
