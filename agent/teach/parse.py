"""Recognizing what a user teaches: patterns over the whole utterance, because what is taught (a team, a
routine's name, a private name for a device) is open-ended and cannot come from the home's vocabulary."""

from __future__ import annotations

import re

from agent.turn import Intent

TEACH, KNOW, FORGET, FORGET_ALL, ROUTINE = (
    "TeachPreference", "WhatDoYouKnow", "ForgetThat", "ForgetMe", "RunRoutine")
LEARN = "LearnPreferences"
""""Learn my preferences": the guided Q&A of `agent.teach.interview`."""
TEAM_NEWS, FIND_RESTAURANT = "TeamNews", "FindRestaurant"
NOT_MEANT = "NotWhatIMeant"
"""The user declares the last answer wrong: a teachable moment."""
"""Questions whose answer is what was taught: "how did my team do", "find me a restaurant"."""
STEP_SEPARATOR = re.compile(r",? (?:and then|and|then) ")
"""Between the requests of a routine ("dim the lights and turn on the tv")."""
_TASTE = {"restaurants": "cuisine", "restaurant": "cuisine", "food": "cuisine", "cooking": "cuisine",
          "cuisine": "cuisine", "music": "music"}
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), kind) for p, kind in (
    (r"^(?:i'm|i am|we're|we are) (?:a |an |a big |a huge |big |huge )?(?P<value>.+?) fans?$", "team"),
    (r"^(?:i|we) (?:support|root for|cheer for) (?:the )?(?P<value>.+)$", "team"),
    ((r"^(?:i|we) (?:really )?(?:like|love|prefer|enjoy) (?P<value>.+?) "
      r"(?P<what>restaurants?|food|cooking|cuisine|music)$"), "taste"),
    (r"^(?:i'd like you to |please )?call (?:the |my )?(?P<alias>.+?) (?:the |my )(?P<target>.+)$", "alias"),
    ((r"^when (?:i|we) say (?P<trigger>.+?),? (?:please |you should |can you |could you )?(?P<steps>(?:dim|turn|switch|"
      r"set|play|start|stop|open|close|lock|unlock|make|put|pause|brighten|preheat|shut)\b.+)$"), "routine"),
))
_USES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), intent) for p, intent in (
    (r"^(?:how did|how are|how's) (?:my|our) (?:team|guys) (?:do|doing|get on)(?: last night| yesterday| today)?$",
     TEAM_NEWS),
    (r"^(?:did|have) (?:my|our) team (?:win|won|play|played)(?: last night| yesterday| today)?$", TEAM_NEWS),
    (r"^(?:what's|what is|what was) (?:my|our) team's (?:score|result|last result)$", TEAM_NEWS),
    (r"^when (?:do|does|is) (?:my|our) team (?:play|playing)(?: next)?$", TEAM_NEWS),
    ((r"^(?:can you |could you |please )?(?:find|recommend|suggest) (?:me |us )?(?:a |some )?(?:good )?"
      r"(?:restaurant|place to eat|place for dinner|place for lunch)(?: nearby| near me| around here| tonight)?$"),
     FIND_RESTAURANT),
    (r"^where should (?:i|we) (?:eat|go for dinner|go for lunch|go out to eat)(?: tonight| today)?$",
     FIND_RESTAURANT),
))
ASKS = {
    "that's not what i meant": NOT_MEANT, "that's not what i asked": NOT_MEANT, "that's wrong": NOT_MEANT,
    "that's not what i wanted": NOT_MEANT, "that's not what i said": NOT_MEANT,
    "that's not what i asked for": NOT_MEANT, "wrong one": NOT_MEANT, "not that one": NOT_MEANT,
    "learn my preferences": LEARN, "learn about me": LEARN, "get to know me": LEARN,
    "ask me about my preferences": LEARN, "ask me what i like": LEARN,
    "what do you know about me": KNOW, "what have i taught you": KNOW, "what do you remember about me": KNOW,
    "forget that": FORGET, "forget what i just said": FORGET, "forget the last thing i told you": FORGET,
    "forget everything about me": FORGET_ALL, "forget everything you know about me": FORGET_ALL,
    "forget all about me": FORGET_ALL, "delete everything you know about me": FORGET_ALL,
}


def teaching(text: str) -> Intent | None:
    """The teaching request `text` makes, if it is one: `TeachPreference` with slots kind and value (plus
    alias and target, or trigger and steps), a question about or deletion of what was taught, or a question
    whose answer depends on it (`TEAM_NEWS`, `FIND_RESTAURANT`)."""
    said = re.sub(r"^(?:hey home|ok|okay|please|so)\s+", "", plain(text))
    if said in ASKS:
        return Intent(ASKS[said], {}, 1.0, text)
    for pattern, intent in _USES:
        if pattern.match(said):
            return Intent(intent, {}, 1.0, text)
    for pattern, kind in _PATTERNS:
        found = pattern.match(said)
        if found is None:
            continue
        parts = found.groupdict()
        if kind == "taste":
            return Intent(TEACH, {"kind": _TASTE[parts["what"]], "value": parts["value"]}, 1.0, text)
        if kind == "alias":
            return Intent(TEACH, {"kind": "alias", "alias": parts["alias"], "target": parts["target"]}, 1.0, text)
        if kind == "routine":
            return Intent(TEACH, {"kind": "routine", "trigger": parts["trigger"], "steps": parts["steps"]}, 1.0, text)
        return Intent(TEACH, {"kind": kind, "value": parts["value"]}, 1.0, text)
    return None


def steps_of(said: str) -> list[str]:
    """The requests of a routine, in order."""
    return [step.strip() for step in STEP_SEPARATOR.split(said) if step.strip()]


def plain(text: str) -> str:
    """Lowercase words and apostrophes, single spaces (commas kept out)."""
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))
