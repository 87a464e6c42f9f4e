"""What people say when they teach the agent, answer its questions or ask for what they taught: sentences for
the recognizer's language model, which otherwise knows only the home's commands."""

from __future__ import annotations

import random

from agent.home import Home
from agent.teach.parse import ASKS

PER_FORM = 12
"""Sentences sampled per phrasing below."""
TRIGGERS = ("movie time", "good night", "i'm home", "i'm leaving", "dinner time", "wake up", "party time")
PRIVATE_NAMES = ("big light", "little lamp", "night light", "sofa lamp", "big lamp", "main light")
ASKS_FOR_TAUGHT = (
    "how did my team do", "how did my team do last night", "did my team win", "did my team win last night",
    "when does my team play next", "what's my team's score", "find me a restaurant", "find me a good restaurant",
    "recommend a restaurant", "find a place to eat", "where should we eat tonight", "where should i eat",
    "that's not what i meant", "yes", "no",
)
SKIPS = ("skip", "stop", "pass", "next", "none", "no thanks", "i don't know", "never mind")
FORMS = (
    "i'm a {team} fan", "i'm a big {team} fan", "we're {team} fans", "i support the {team}", "i root for the {team}",
    "i like {cuisine} restaurants", "i love {cuisine} food", "we like {cuisine} food", "i prefer {cuisine} food",
    "i love {music} music", "i like {music} music", "i really like {music} music",
    "call the {alias} the {device}", "call the {device} the {alias}", "turn on the {alias}", "turn off the {alias}",
    "when i say {trigger} turn on the {device} and turn off the {device2}",
    "when i say {trigger} turn off the {device}",
)
ANSWER_FORMS = ("{team}", "the {team}", "i follow the {team}", "{cuisine}", "{cuisine} food", "i like {cuisine} food",
                "mostly {music}", "{music}", "i like {music}", "{music} music")
"""Answers to "learn my preferences"."""


def teaching_sentences(home: Home, seed: int = 0) -> list[str]:
    """`PER_FORM` fillings of each teaching phrasing with teams, cuisines and music the skills know and this
    home's devices, plus the fixed requests and the answers to the agent's questions."""
    fixed = [*ASKS, *ASKS_FOR_TAUGHT] * PER_FORM  # as likely as each phrasing with its blanks filled
    return [*fixed, *_filled(FORMS, home, seed), *answer_sentences(home, seed)]


def answer_sentences(home: Home, seed: int = 0) -> list[str]:
    """What people answer when the agent asks which team, what food, what music; or skip or stop."""
    return [*SKIPS, *_filled(ANSWER_FORMS, home, seed)]


def _filled(forms: tuple[str, ...], home: Home, seed: int) -> list[str]:
    from skills.media import load_catalog
    from skills.restaurants import load_listing
    from skills.sports import load_teams

    rng = random.Random(seed)
    fills = {
        "team": sorted({name.lower() for t in load_teams() for name in (t.name, *t.aliases)}),
        "cuisine": sorted({r.cuisine for r in load_listing()}),
        "music": sorted({i.title.lower() for i in load_catalog() if i.media_class == "music"}),
        "alias": list(PRIVATE_NAMES),
        "trigger": list(TRIGGERS),
        "device": [d.name.lower() for d in home.devices],
    }
    fills["device2"] = fills["device"]
    return [form.format(**{k: rng.choice(v) for k, v in fills.items()}) for form in forms for _ in range(PER_FORM)]
