"""How the user's team did: a deterministic simulated sports service, and the skill that answers for the team
the user taught ("I'm a Warriors fan")."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import yaml
from rapidfuzz import fuzz, process

from agent.teach.parse import TEAM_NEWS
from agent.turn import Outcome, Resolution, Result
from skills.base import Skill, SkillContext

TEAMS_PATH = Path(__file__).parent / "data" / "teams.yaml"
TEAM_THRESHOLD = 85.0
SCORING = {"NBA": (95, 35), "NFL": (10, 28), "Premier League": (0, 5)}
"""Per league: the lowest score, and how many more a side may score."""
OVERTIME = {"NBA", "NFL"}
"""Leagues without draws."""


@dataclass(frozen=True)
class Team:
    name: str
    league: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Game:
    """One game of `team`: the other side, both scores (None when it is still to come), and when."""

    team: Team
    opponent: Team
    day: date
    scored: int | None = None
    conceded: int | None = None


@lru_cache(maxsize=2)
def load_teams(path: Path = TEAMS_PATH) -> tuple[Team, ...]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(Team(str(t["name"]), league, tuple(str(a) for a in t.get("aliases") or ()))
                 for league, teams in raw["leagues"].items() for t in teams)


def find_team(said: str, teams: tuple[Team, ...] | None = None) -> Team | None:
    """The team a fan's words name ("warriors", "the niners"), or None."""
    teams = teams or load_teams()
    names = {name.lower(): team for team in teams for name in (team.name, *team.aliases)}
    found = process.extractOne(said.lower().removeprefix("the "), list(names), scorer=fuzz.ratio)
    return names[found[0]] if found and found[1] >= TEAM_THRESHOLD else None


NO_SCORES = "I have no sports results to ask."


class ScoreService(Protocol):
    """Where a team's games come from (`Services.scores`)."""

    def last_game(self, team: Team, ts: float) -> Game: ...

    def next_game(self, team: Team, ts: float) -> Game: ...


class SimulatedScores:
    """Plausible results that depend only on (team, day): every other day a game, the same answer each time."""

    def __init__(self, teams: tuple[Team, ...] | None = None) -> None:
        self.teams = teams or load_teams()

    def last_game(self, team: Team, ts: float) -> Game:
        day = datetime.fromtimestamp(ts).date() - timedelta(days=1)
        while not self._plays(team, day):
            day -= timedelta(days=1)
        opponent = self._opponent(team, day)
        scored, conceded = self._score(team, day), self._score(opponent, day)
        if scored == conceded and team.league in OVERTIME:
            scored += 3
        return Game(team, opponent, day, scored, conceded)

    def next_game(self, team: Team, ts: float) -> Game:
        day = datetime.fromtimestamp(ts).date()
        while not self._plays(team, day):
            day += timedelta(days=1)
        return Game(team, self._opponent(team, day), day)

    def _score(self, team: Team, day: date) -> int:
        low, spread = SCORING[team.league]
        return low + self._draw(f"{team.name} scores {day}", spread)

    def _plays(self, team: Team, day: date) -> bool:
        return self._draw(f"{team.name} plays {day}", 2) == 0

    def _opponent(self, team: Team, day: date) -> Team:
        rivals = [t for t in self.teams if t.league == team.league and t != team]
        return rivals[self._draw(f"{team.name} vs {day}", len(rivals))]

    @staticmethod
    def _draw(key: str, n: int) -> int:
        return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % n


def spoken_day(day: date, ts: float) -> str:
    today = datetime.fromtimestamp(ts).date()
    if day == today:
        return "today"
    if day == today - timedelta(days=1):
        return "yesterday"
    if day == today + timedelta(days=1):
        return "tomorrow"
    return ("last " if day < today else "on ") + day.strftime("%A")


class TeamNewsSkill(Skill):
    """TeamNews: the last result and the next game of the team the user follows."""

    intents = frozenset({TEAM_NEWS})

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        scores = ctx.services.scores
        if scores is None:
            return Result(NO_SCORES, Outcome.UNSUPPORTED)
        store = ctx.services.preferences
        followed = store.find(ctx.user, "team") if store is not None else []
        if not followed:
            return Result("Which team do you follow? Tell me, for example, \"I'm a Warriors fan\".",
                          Outcome.UNRESOLVED)
        said = str(followed[-1].value)
        team = find_team(said)
        if team is None:
            return Result(f"I don't have scores for the {said.title()}.", Outcome.UNSUPPORTED)
        now = ctx.clock.now()
        last, upcoming = scores.last_game(team, now), scores.next_game(team, now)
        assert last.scored is not None and last.conceded is not None
        outcome = "beat" if last.scored > last.conceded else "lost to" if last.scored < last.conceded else "drew with"
        return Result(f"The {team.name} {outcome} the {last.opponent.name} {last.scored} to {last.conceded} "
                      f"{spoken_day(last.day, now)}. They play the {upcoming.opponent.name} "
                      f"{spoken_day(upcoming.day, now)}.", Outcome.SUCCESS)
