"""Where to eat: nearby restaurants (the listing `Services.restaurants`: a fixed simulated one), chosen by the cuisine the user taught ("I like
Italian restaurants")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from rapidfuzz import fuzz

from agent.teach.parse import FIND_RESTAURANT
from agent.turn import Outcome, Resolution, Result
from skills.base import Skill, SkillContext

LISTING_PATH = Path(__file__).parent / "data" / "restaurants.yaml"
CUISINE_THRESHOLD = 80.0
NO_LISTING = "I have no restaurant listing to ask."


@dataclass(frozen=True)
class Restaurant:
    name: str
    cuisine: str
    miles: float

    def spoken(self) -> str:
        article = "an" if self.cuisine[0] in "aeiou" else "a"
        return f"{self.name}, {article} {self.cuisine.title()} place {self.miles:g} miles away"


@lru_cache(maxsize=2)
def load_listing(path: Path = LISTING_PATH) -> tuple[Restaurant, ...]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(sorted((Restaurant(str(r["name"]), str(r["cuisine"]), float(r["miles"]))
                         for r in raw["restaurants"]), key=lambda r: r.miles))


def serving(cuisine: str, listing: Sequence[Restaurant] | None = None) -> list[Restaurant]:
    """The restaurants of `cuisine` ("Italian", "italian food") in `listing` (nearest first), in its order."""
    wanted = cuisine.lower().removesuffix(" food")
    return [r for r in listing or load_listing() if fuzz.ratio(wanted, r.cuisine) >= CUISINE_THRESHOLD]


class RestaurantSkill(Skill):
    """FindRestaurant: the nearest place serving what the user likes; the nearest of all when they never said."""

    intents = frozenset({FIND_RESTAURANT})

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        listing = ctx.services.restaurants
        if not listing:
            return Result(NO_LISTING, Outcome.UNSUPPORTED)
        store = ctx.services.preferences
        liked = store.find(ctx.user, "cuisine") if store is not None else []
        nearest = listing[0]
        if not liked:
            return Result(f"The closest is {nearest.spoken()}. Tell me what food you like and I'll pick for you.",
                          Outcome.SUCCESS)
        cuisine = str(liked[-1].value)
        places = serving(cuisine, listing)
        if not places:
            return Result(f"I don't know a {cuisine.title()} place nearby; the closest restaurant is "
                          f"{nearest.spoken()}.", Outcome.SUCCESS)
        also = f" There's also {places[1].name}, {places[1].miles:g} miles away." if len(places) > 1 else ""
        return Result(f"Since you like {cuisine.title()} food: {places[0].spoken()}.{also}", Outcome.SUCCESS)
