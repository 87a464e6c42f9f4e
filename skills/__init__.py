"""Skills: every `Skill` subclass defined in a module of this package (or an `ambient.skills` entry point)."""

from __future__ import annotations

import importlib
import inspect
import logging
import pkgutil
from importlib.metadata import entry_points

from skills.base import Skill

log = logging.getLogger(__name__)


def load_skills() -> dict[str, Skill]:
    """One instance of every skill, indexed by the intents it handles."""
    classes: list[type[Skill]] = []
    for info in pkgutil.iter_modules(__path__, __name__ + "."):
        module = importlib.import_module(info.name)
        classes += [
            obj for _, obj in inspect.getmembers(module, inspect.isclass)
            if issubclass(obj, Skill) and obj is not Skill and obj.__module__ == module.__name__
        ]
    for ep in entry_points(group="ambient.skills"):
        classes.append(ep.load())
    by_intent: dict[str, Skill] = {}
    for cls in classes:
        instance = cls()
        for intent in cls.intents:
            if intent in by_intent:
                log.warning("intent %s claimed by %s and %s; keeping the first", intent,
                            type(by_intent[intent]).__name__, cls.__name__)
                continue
            by_intent[intent] = instance
    return by_intent
