""""Learn my preferences": a short guided Q&A. The agent asks one question at a time (team, food, music); each
answer is taught as if the user had said it ("I'm a Warriors fan"); "skip" passes, "stop" ends it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.teach.parse import plain
from agent.turn import Intent

ANSWER = "PreferenceAnswer"
QUESTIONS: dict[str, str] = {
    "team": "Which sports team do you follow?",
    "cuisine": "What kind of food do you like?",
    "music": "What music do you like?",
}
ANSWER_WINDOW_S = 60.0
"""How long a question waits for its answer."""
SKIP = re.compile(r"^(?:skip|pass|next|none|nothing|no one|nobody|no team|i don't know|not really|no)(?: thanks)?$")
STOP = re.compile(r"^(?:stop|cancel|never mind|nevermind|that's enough|enough|quit)(?: thanks)?$")
FILLER = re.compile(
    r"^(?:i (?:follow|like|love|support|listen to)|i'm a|i am a|mostly|probably|definitely|the|um|uh)\s+")
FAN = re.compile(r"\s+(?:fan|fans|food|music|restaurants?)$")


@dataclass(frozen=True)
class Interview:
    """Who is being asked, the questions still to ask (the first is the one asked), and when it lapses."""

    user: str
    left: tuple[str, ...]
    expires_at: float

    @property
    def question(self) -> str:
        return QUESTIONS[self.left[0]]

    def next(self, now: float) -> Interview | None:
        return Interview(self.user, self.left[1:], now + ANSWER_WINDOW_S) if len(self.left) > 1 else None


def start(user: str, now: float) -> Interview:
    return Interview(user, tuple(QUESTIONS), now + ANSWER_WINDOW_S)


def answer(text: str, interview: Interview) -> Intent:
    """What an utterance means while a question waits: the answer to it (slots kind and value, no value when
    skipped), or the end of the interview (`HassNevermind`)."""
    said = re.sub(r"^(?:hey home|ok|okay|well|so)\s+", "", plain(text))
    if STOP.match(said):
        return Intent("HassNevermind", {}, 1.0, text)
    if SKIP.match(said):
        return Intent(ANSWER, {"kind": interview.left[0]}, 1.0, text)
    while (shorter := FILLER.sub("", said)) != said:
        said = shorter
    return Intent(ANSWER, {"kind": interview.left[0], "value": FAN.sub("", said)}, 1.0, text)
