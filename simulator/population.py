"""A simulated population, as data: who lives in which home, what they habitually ask, and how they get it wrong.

A population file names the home plan, how many `households` live in homes built to it (each its own devices
and agent, one shared log, like a fleet), and lists archetypes; each archetype becomes `count` users, dealt
out to the households in turn, who share its habits and error sources:

- `habits`: requests as this kind of user says them ("turn on the big light");
- `fixes`: their words -> the home's words, what they say when they rephrase after a failure
  ("big light": "living room ceiling light");
- `asr`: words the recognizer mishears for their voice, with how often ("kitchen": heard "chicken", 0.5);
- `rephrase`, `barge_in`: how likely they say it again, or interrupt a wrong answer, after a failure
  (the rest give up);
- `say_no`: how likely they say "no, that's wrong" after a failure;
- `turns_per_day`: how many requests a day.

`faults` gives the share of requests whose pipeline stage is made to fail (`simulator.faults`), and `tv`
what the TV says when it wakes the agent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from agent.yamlfile import load_model


class Mishearing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    heard: str
    rate: float = Field(ge=0.0, le=1.0)


class Archetype(BaseModel):
    """A kind of user, `count` of them."""

    model_config = ConfigDict(extra="forbid")
    name: str
    count: int = Field(ge=1)
    habits: list[str] = Field(min_length=1)
    fixes: dict[str, str] = {}
    asr: dict[str, Mishearing] = {}
    rephrase: float = Field(0.7, ge=0.0, le=1.0)
    barge_in: float = Field(0.2, ge=0.0, le=1.0)
    say_no: float = Field(0.0, ge=0.0, le=1.0)
    """How likely they say "no, that's wrong" after a wrong answer."""
    turns_per_day: int = Field(6, ge=1)
    device: str = "kitchen_speaker"
    """The satellite they talk to."""


class FaultRates(BaseModel):
    """Share of requests whose stage is made to fail (`simulator.faults`); none by default."""

    model_config = ConfigDict(extra="forbid")
    false_wake: float = Field(0.0, ge=0.0, le=1.0)
    asr: float = Field(0.0, ge=0.0, le=1.0)
    nlu: float = Field(0.0, ge=0.0, le=1.0)
    entity_resolution: float = Field(0.0, ge=0.0, le=1.0)
    result: float = Field(0.0, ge=0.0, le=1.0)


class PopulationFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    home: Path
    """The home file, relative to the population file."""
    households: int = Field(1, ge=1)
    """Homes built to that plan; users are spread over them."""
    archetypes: list[Archetype] = Field(min_length=1)
    faults: FaultRates = Field(default_factory=FaultRates)
    tv: list[str] = []
    """What the TV says, for false wakes."""


@dataclass(frozen=True)
class SimUser:
    """One simulated user."""

    id: str
    kind: Archetype
    household: int = 0

    def say(self, habit: str, rng: random.Random) -> str:
        """The habit as it reaches the agent: the recognizer mishears some words."""
        return " ".join(self._heard(word, rng) for word in habit.split())

    def meant(self, habit: str) -> str:
        """The habit in the home's words: what the user says when rephrasing."""
        for theirs, home_words in self.kind.fixes.items():
            habit = habit.replace(theirs, home_words)
        return habit

    def _heard(self, word: str, rng: random.Random) -> str:
        mishearing = self.kind.asr.get(word)
        return mishearing.heard if mishearing is not None and rng.random() < mishearing.rate else word


@dataclass(frozen=True)
class Population:
    home: Path
    households: int
    users: list[SimUser]
    faults: FaultRates = field(default_factory=FaultRates)
    tv: tuple[str, ...] = ()


def load_population(path: Path | str) -> Population:
    """Read and validate a population file (errors name the file, line and field)."""
    path = Path(path)
    spec = load_model(path, PopulationFile)
    users = [SimUser(f"{kind.name.replace(' ', '-')}-{i}", kind, i % spec.households)
             for kind in spec.archetypes for i in range(kind.count)]
    if spec.faults.false_wake and not spec.tv:
        raise ValueError(f"{path}: false wakes need sentences the TV says (tv:)")
    return Population((path.parent / spec.home).resolve(), spec.households, users, spec.faults, tuple(spec.tv))
