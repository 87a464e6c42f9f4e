"""Free-text slots recovered from the words after the play verb, as hassil's `{search_query}` wildcards are."""

from __future__ import annotations

from agent.nlu.vocab import MEDIA_CLASS_WORDS

PLAY_VERBS = frozenset({"play", "watch", "hear", "stream", "queue", "put", "read", "listen", "tune", "throw"})
"""Words that introduce what to play."""
LEAD_WORDS = frozenset({"on", "up", "to", "in", "me", "us", "playing", "some", "episode", "of", "latest"})
"""Words between the verb and the title that are not part of it."""
STOP_WORDS = frozenset({"on", "in", "please", "now", "thanks", "thank", "for", "from", "everywhere",
                        "upstairs", "downstairs"})
"""Words that end the title (the target player or area follows them)."""
CLASS_WORDS = frozenset(w for words in MEDIA_CLASS_WORDS.values() for w in words if " " not in w) | {
    "music", "songs", "something", "movies", "podcasts",
}
"""Words naming a kind of media rather than a title."""


def query_span(words: list[str]) -> tuple[int, int] | None:
    """Token range of the title in a play request ("play the movie dune on the tv" -> "dune"), if any."""
    verb = next((i for i, word in enumerate(words) if word in PLAY_VERBS), None)
    if verb is None:
        return None
    i, n = verb + 1, len(words)
    while i < n:
        if words[i] in LEAD_WORDS:
            i += 1
        elif words[i] in ("the", "a", "an") and i + 1 < n and words[i + 1] in CLASS_WORDS | LEAD_WORDS:
            i += 2
        elif words[i] in CLASS_WORDS and i + 1 < n and words[i + 1] not in STOP_WORDS:
            i += 2 if words[i + 1] == "by" else 1
        else:
            break
    start = i
    while i < n and words[i] not in STOP_WORDS:
        i += 1
    end = i - 1 if i - start > 1 and words[i - 1] in CLASS_WORDS else i
    if all(word in CLASS_WORDS for word in words[start:end]):
        return None  # "play some music": a kind of media, no title
    return start, end
