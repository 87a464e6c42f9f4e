"""Names users taught for devices, put in the home's words before NLU ("the big light" -> "the living room
ceiling light" for the user who said so, nobody else)."""

from __future__ import annotations

import re
from typing import Any

from agent.home import Home
from agent.nlu.jsgf import spoken
from agent.teach.store import ALIAS, PreferenceStore, StoreUnavailable
from agent.turn import Rewrite

RULE = "taught:alias"


class TaughtRewriter:
    """A rewriter (see `agent.rewrite.stage`) over each user's taught names."""

    def __init__(self, preferences: PreferenceStore) -> None:
        self.preferences = preferences

    def rewrite(self, text: str, ctx: Any = None) -> Rewrite | None:
        if ctx is None:
            return None
        changed = in_home_words(text, ctx.user, ctx.home, self.preferences)
        return Rewrite(changed, text, RULE) if changed != spoken(text) else None


def in_home_words(text: str, user: str, home: Home, preferences: PreferenceStore) -> str:
    """`text` as spoken words, with each name `user` taught replaced by the device's own name."""
    said = spoken(text)
    try:
        aliases = preferences.find(user, ALIAS)
    except StoreUnavailable:
        return said
    for alias in sorted(aliases, key=lambda a: -len(a.key)):
        device = home.device(str(alias.value))
        if device is not None:
            said = re.sub(rf"\b{re.escape(alias.key)}\b", device.name, said)
    return said
