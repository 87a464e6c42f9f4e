"""The `ambient learn` benchmark: a synthetic log of a million turns, mined into rewrites, timed and weighed.

The log is written the way the agent writes it (the same schema, migrated by Alembic), by simulated users
with habitual requests, some of which they habitually get wrong ("the big light", a misheard word): such a
request fails, and most users say it again the way the home understands within seconds. Mining must find
those rewrites, and only those.
"""

from __future__ import annotations

import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert

from agent.asr.language_model import home_sentences
from agent.bench import DEMO_HOME
from agent.home import load_home
from agent.log.migrate import migrate
from agent.log.schema import Turn

USERS = 2000
REQUESTS_PER_USER = 12
"""Each user's habitual requests."""
BROKEN_SHARE = 0.1
"""Share of requests that have a habitual wrong variant."""
WRONG_RATE = 0.4
"""How often a user with a wrong variant says it instead of the right words."""
REPHRASE_RATE = 0.7
"""How often a failed request is said again the right way (the rest give up)."""
INSERT_BATCH = 20_000


@dataclass(frozen=True)
class LearnFigures:
    turns: int
    learn_s: float
    peak_rss_mb: float
    """Peak resident memory of the mining process."""
    rules: int
    planted: int
    """Wrong variants users actually said often enough to be learnable."""
    right: int
    """Rules that map a planted wrong variant to its right words."""


def write_log(url: str, turns: int, seed: int = 0) -> dict[str, str]:
    """Write `turns` synthetic turns; returns wrong variant -> right words for the variants users say."""
    rng = random.Random(seed)
    sentences = sorted({" ".join(s) for s in home_sentences(load_home(DEMO_HOME), per_intent=200, seed=seed)})
    vocabulary = sorted({w for s in sentences for w in s.split()})
    broken = {}
    for sentence in rng.sample(sentences, int(BROKEN_SHARE * len(sentences))):
        words = sentence.split()
        i = rng.randrange(len(words))
        words[i] = rng.choice(vocabulary) + "o"  # a word the home does not know
        broken[sentence] = " ".join(words)
    habits = [rng.sample(sentences, REQUESTS_PER_USER) for _ in range(USERS)]
    clocks = [rng.uniform(0, 86_400) for _ in range(USERS)]
    said_wrong: dict[str, int] = {}
    migrate(url)
    engine = create_engine(url)
    rows: list[dict[str, Any]] = []
    with engine.begin() as db:
        n = 0
        while n < turns:
            user = rng.randrange(USERS)
            right = rng.choice(habits[user])
            wrong = broken.get(right) if rng.random() < WRONG_RATE else None
            sequence = [(wrong, "unresolved"), (right, "success")] if wrong else [(right, "success")]
            if wrong and rng.random() >= REPHRASE_RATE:
                sequence = sequence[:1]
            if wrong:
                said_wrong[wrong] = said_wrong.get(wrong, 0) + 1
            for text, outcome in sequence:  # a rephrase follows within seconds
                rows.append(_row(n, f"user{user}", text, clocks[user], outcome))
                clocks[user] += rng.uniform(2.0, 4.0)
                n += 1
            clocks[user] += rng.uniform(60, 3600)
            if len(rows) >= INSERT_BATCH:
                db.execute(insert(Turn), rows)
                rows = []
        if rows:
            db.execute(insert(Turn), rows)
    engine.dispose()
    return {wrong: right for right, wrong in broken.items() if said_wrong.get(wrong, 0) >= 3}


def _row(n: int, user: str, text: str, start: float, outcome: str) -> dict[str, Any]:
    return {
        "turn_id": f"t{n}", "session_id": None, "user": user, "device": "kitchen_speaker", "area": "kitchen",
        "started_at": start, "ended_at": start + 1.5, "text": text, "transcript": text, "rewritten_text": text,
        "rewrite_rule": None, "intent": "HassTurnOn", "slots": {}, "intent_confidence": 1.0,
        "asr_confidence": None, "devices": [], "response": "", "outcome": outcome, "barged_in": False,
        "rephrase_of": None, "error": None, "trace": {},
    }


def run(turns: int = 1_000_000, seed: int = 0) -> LearnFigures:
    """Write the log, then run `ambient learn` on it in a fresh process (for its own peak memory)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'turns.db'}"
        planted = write_log(url, turns, seed)
        out = Path(tmp) / "rewrites.json"
        began = time.perf_counter()
        subprocess.run([sys.executable, "-m", "agent", "learn", "--db", url, "--out", str(out)], check=True,
                       capture_output=True)
        learn_s = time.perf_counter() - began
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        from agent.rewrite.table import load_table

        rules = load_table(out).rules
    right = sum(planted.get(rule.source) == rule.target for rule in rules)
    return LearnFigures(turns, round(learn_s, 2), round(peak_kb / 1024, 1), len(rules), len(planted), right)
