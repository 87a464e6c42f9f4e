"""Names users taught for devices, put in the home's words before NLU ("the big light" -> "the living room
ceiling light" for the user who said so, nobody else)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from agent.home import Home
from agent.teach.store import ALIAS, PreferenceStore, Taught
from agent.text import spoken
from agent.turn import Rewrite

if TYPE_CHECKING:
    from agent.context import TurnContext

RULE = "taught:alias"


class TaughtRewriter:
    """A rewriter (see `agent.rewrite.stage`) over each user's taught names."""

    def __init__(self, preferences: PreferenceStore) -> None:
        self.preferences = preferences

    def rewrite(self, text: str, ctx: TurnContext | None = None) -> Rewrite | None:
        if ctx is None:
            return None
        aliases = self.preferences.find(ctx.user, ALIAS)
        if not aliases:  # most users never taught a name: nothing to do on their turns
            return None
        said = spoken(text)
        changed = _renamed(said, aliases, ctx.home)
        return Rewrite(changed, text, RULE) if changed != said else None


def in_home_words(text: str, user: str, home: Home, preferences: PreferenceStore) -> str:
    """`text` as spoken words, with each name `user` taught replaced by the device's own name."""
    return _renamed(spoken(text), preferences.find(user, ALIAS), home)


def _renamed(said: str, aliases: list[Taught], home: Home) -> str:
    for alias in sorted(aliases, key=lambda a: -len(a.key)):
        device = home.device(str(alias.value))
        if device is not None:
            said = re.sub(rf"\b{re.escape(alias.key)}\b", device.name, said)
    return said
