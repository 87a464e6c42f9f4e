"""Playing media from a small catalog, and controlling what plays (pause, resume, next, volume)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz

from agent.habits import play_key
from agent.home import Device
from agent.turn import Outcome, Resolution, Result
from skills.base import Skill, SkillContext
from skills.common import Command, carry_out, offline, offline_result

CATALOG_PATH = Path(__file__).parent / "data" / "media.yaml"
MATCH_THRESHOLD = 80.0
"""Minimum rapidfuzz score for a query to name a catalog item."""
VIDEO_CLASSES = frozenset({"movie", "tv_show", "video", "episode"})
CLASS_WORDS = {
    "movie": "movie", "movies": "movie", "film": "movie", "films": "movie", "video": "movie",
    "audiobook": "audiobook", "audio book": "audiobook", "book": "audiobook", "audiobooks": "audiobook",
    "soundtrack": "soundtrack", "score": "soundtrack", "theme": "soundtrack",
    "music": "music", "songs": "music", "song": "music", "album": "music", "track": "music",
    "artist": "music", "playlist": "music", "genre": "music",
    "podcast": "podcast", "podcasts": "podcast", "radio": "radio", "station": "radio",
}
PREFERENCE_SCREEN = ("movie", "audiobook", "soundtrack", "music", "podcast", "radio")
PREFERENCE_AUDIO = ("audiobook", "soundtrack", "music", "podcast", "radio")
VOLUME_STEP = 10


@dataclass(frozen=True)
class MediaItem:
    """Something a player can play."""

    title: str
    media_class: str
    """movie, audiobook, soundtrack, music, podcast or radio."""
    aliases: tuple[str, ...] = ()
    say: str | None = None
    """How to name it in speech; default '<title> <media_class>'."""

    @property
    def spoken(self) -> str:
        return self.say or f"{self.title} {self.media_class}"


def normalize(text: str) -> str:
    """Lowercase, no punctuation, no leading article: "The Philosopher's Stone" -> "philosophers stone"."""
    text = re.sub(r"[^\w\s]", "", text.lower().replace("-", " "))
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"^(the|a|an|some|my) ", "", text)


@lru_cache(maxsize=4)
def load_catalog(path: Path = CATALOG_PATH) -> tuple[MediaItem, ...]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(
        MediaItem(str(i["title"]), str(i["media_class"]), tuple(str(a) for a in i.get("aliases") or ()), i.get("say"))
        for i in raw["items"]
    )


def media_class_of(word: str | None) -> str | None:
    """A spoken or Home Assistant media class as one of the catalog's."""
    if not word:
        return None
    word = word.strip().lower().replace("_", " ")
    return CLASS_WORDS.get(word, word if word in PREFERENCE_SCREEN else None)


def split_class(query: str) -> tuple[str, str | None]:
    """'the hunger games audiobook' -> ('the hunger games', 'audiobook')."""
    text = query.strip().lower()
    for word in sorted(CLASS_WORDS, key=len, reverse=True):
        if text.endswith(" " + word):
            rest = re.sub(r"\s+(on|as|from|in)(\s+(the|a|an))?$", "", text[: -len(word) - 1].strip())
            return rest, CLASS_WORDS[word]
    return query, None


def score(query: str, item: MediaItem) -> float:
    q = normalize(query)
    if not q:
        return 0.0
    return max(max(fuzz.ratio(q, normalize(n)), fuzz.token_sort_ratio(q, normalize(n)))
               for n in (item.title, *item.aliases))


def search(query: str, catalog: tuple[MediaItem, ...] | None = None) -> tuple[list[MediaItem], str | None]:
    """The best-matching items (one per media class of the same title), and a class named in the query."""
    catalog = catalog or load_catalog()
    stripped, hinted = split_class(query)
    scored = [(max(score(query, item), score(stripped, item) if hinted else 0.0), item) for item in catalog]
    best = max((s for s, _ in scored), default=0.0)
    if best < MATCH_THRESHOLD:
        return [], hinted
    return [item for s, item in scored if s >= best - 0.5], hinted


def choose(items: list[MediaItem], wanted: str | None, has_screen: bool) -> MediaItem | None:
    """The item to play: the class asked for, else by preference for what the player can show."""
    if wanted:
        return next((i for i in items if i.media_class == wanted), None)
    order = PREFERENCE_SCREEN if has_screen else PREFERENCE_AUDIO
    ranked = sorted((i for i in items if i.media_class in order), key=lambda i: order.index(i.media_class))
    return ranked[0] if ranked else None


async def _player(request: Resolution, ctx: SkillContext) -> tuple[Device | None, Result | None]:
    if not request.devices:
        return None, Result("Which speaker or TV do you mean?", Outcome.UNRESOLVED)
    device = ctx.device(request.devices[0])
    if await offline(ctx, [device.id]):
        return None, offline_result(ctx, [device.id])
    return device, None


def _taste(request: Resolution, ctx: SkillContext) -> str:
    """For "play some music": the music the user said they like, else the music they habitually ask for."""
    if request.values.get("media_class") not in (None, "music"):
        return ""
    store, habits = ctx.services.preferences, ctx.services.habits
    liked = store.find(ctx.user, "music") if store is not None else []
    if liked:
        return str(liked[-1].value)
    usual = habits.usual(play_key(ctx.user), ctx.clock.now()) if habits is not None else None
    items = search(usual)[0] if usual else []
    return usual if items and items[0].media_class == "music" else ""


class MediaPlaySkill(Skill):
    """HassMediaSearchAndPlay: find the item in the catalog and play it on the target player."""

    intents = frozenset({"HassMediaSearchAndPlay"})

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        query = str(request.values.get("search_query") or "").strip() or _taste(request, ctx)
        if not query:
            return Result("What should I play?", Outcome.UNRESOLVED)
        device, problem = await _player(request, ctx)
        if device is None:
            return problem or Result("Which speaker or TV do you mean?", Outcome.UNRESOLVED)
        has_screen = bool(request.values.get("has_screen", device.has_screen))
        items, hinted = search(query)
        if not items:
            return Result(f"I couldn't find {query}.", Outcome.UNRESOLVED, data={"search_query": query})
        wanted = media_class_of(request.values.get("media_class")) or (
            hinted if any(i.media_class == hinted for i in items) else None)
        if wanted in VIDEO_CLASSES and not has_screen:
            return Result(f"The {device.name} has no screen, so I can't play the {items[0].title} {wanted} there.",
                          Outcome.UNRESOLVED, data={"title": items[0].title, "media_class": wanted})
        item = choose(items, wanted, has_screen)
        if item is None:
            title = items[0].title
            if wanted:
                return Result(f"I couldn't find {title} as a {wanted}.", Outcome.UNRESOLVED)
            return Result(f"{title} is a movie, and the {device.name} has no screen.", Outcome.UNRESOLVED,
                          data={"title": title, "media_class": "movie"})
        payload = {"state": "playing", "media_title": item.title, "media_class": item.media_class}
        return await carry_out(
            ctx, [Command(device.id, payload)],
            lambda ids: f"Playing {item.spoken} on the {device.name}.",
            f"play {item.spoken}", data={"title": item.title, "media_class": item.media_class, "device": device.id},
        )


class MediaControlSkill(Skill):
    """HassMediaPause / Unpause / Next / Previous, HassSetVolume, HassSetVolumeRelative, HassMediaPlayerMute /
    Unmute on the target player."""

    intents = frozenset({"HassMediaPause", "HassMediaUnpause", "HassMediaNext", "HassMediaPrevious",
                         "HassSetVolume", "HassSetVolumeRelative", "HassMediaPlayerMute", "HassMediaPlayerUnmute"})

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        device, problem = await _player(request, ctx)
        if device is None:
            return problem or Result("Which speaker or TV do you mean?", Outcome.UNRESOLVED)
        state = ctx.state(device.id)
        if not state:
            return Result(f"I haven't heard from the {device.name} yet.", Outcome.ERROR)
        name = request.intent.name
        handler: Callable[[Resolution, SkillContext, Device, dict[str, Any]], Any] = {
            "HassMediaPause": self._pause, "HassMediaUnpause": self._unpause, "HassMediaNext": self._skip,
            "HassMediaPrevious": self._skip, "HassSetVolume": self._set_volume,
            "HassSetVolumeRelative": self._step_volume, "HassMediaPlayerMute": self._mute,
            "HassMediaPlayerUnmute": self._mute,
        }[name]
        return await handler(request, ctx, device, state)

    async def _pause(self, request: Resolution, ctx: SkillContext, device: Device, state: dict[str, Any]) -> Result:
        if state.get("state") == "paused":
            return Result(f"The {device.name} is already paused.", Outcome.SUCCESS)
        if state.get("state") != "playing":
            return Result(f"Nothing is playing on the {device.name}.", Outcome.UNRESOLVED)
        return await carry_out(ctx, [Command(device.id, {"state": "paused"})],
                               lambda ids: f"Paused the {device.name}.", "pause")

    async def _unpause(self, request: Resolution, ctx: SkillContext, device: Device, state: dict[str, Any]) -> Result:
        if state.get("state") == "playing":
            return Result(f"The {device.name} is already playing.", Outcome.SUCCESS)
        if state.get("state") != "paused" or not state.get("media_title"):
            return Result(f"There's nothing to resume on the {device.name}.", Outcome.UNRESOLVED)
        return await carry_out(ctx, [Command(device.id, {"state": "playing"})],
                               lambda ids: f"Resuming {state['media_title']} on the {device.name}.", "resume",
                               data={"title": state["media_title"]})

    async def _skip(self, request: Resolution, ctx: SkillContext, device: Device, state: dict[str, Any]) -> Result:
        before = state.get("media_title")
        if not before or state.get("state") not in ("playing", "paused"):
            return Result(f"Nothing is playing on the {device.name}.", Outcome.UNRESOLVED)
        ahead = request.intent.name == "HassMediaNext"

        def changed(now: dict[str, Any]) -> bool:
            return bool(now.get("media_title")) and (now.get("media_title") != before or not ahead)

        return await carry_out(
            ctx, [Command(device.id, {"command": "next" if ahead else "previous"}, until=changed)],
            lambda ids: f"Skipping to the {'next' if ahead else 'previous'} one on the {device.name}.",
            "skip ahead" if ahead else "go back")

    async def _mute(self, request: Resolution, ctx: SkillContext, device: Device, state: dict[str, Any]) -> Result:
        mute = request.intent.name == "HassMediaPlayerMute"
        if state.get("muted") is mute:
            return Result(f"The {device.name} is already {'muted' if mute else 'unmuted'}.", Outcome.SUCCESS)
        return await carry_out(ctx, [Command(device.id, {"muted": mute})],
                               lambda ids: f"{'Muted' if mute else 'Unmuted'} the {device.name}.",
                               "mute" if mute else "unmute", data={"muted": mute})

    async def _set_volume(self, request: Resolution, ctx: SkillContext, device: Device,
                          state: dict[str, Any]) -> Result:
        level = request.values.get("volume_level")
        if level is None:
            return Result("What volume should I set?", Outcome.CLARIFY, asks_for="volume_level")
        return await self._volume(ctx, device, max(0, min(100, int(level))))

    async def _step_volume(self, request: Resolution, ctx: SkillContext, device: Device,
                           state: dict[str, Any]) -> Result:
        current = state.get("volume")
        if not isinstance(current, (int, float)):
            return Result(f"I don't know how loud the {device.name} is.", Outcome.ERROR)
        said = request.values.get("volume_step")
        number = _signed(said)
        up = said != "down" and (number is None or number > 0)
        step = abs(number) if number is not None else VOLUME_STEP
        level = max(0, min(100, int(current) + (step if up else -step)))
        if level == current:
            limit = "at full volume" if up else "muted"
            return Result(f"The {device.name} is already {limit}.", Outcome.SUCCESS, data={"volume": level})
        return await self._volume(ctx, device, level, "up" if up else "down")

    async def _volume(self, ctx: SkillContext, device: Device, level: int, direction: str | None = None) -> Result:
        if direction:
            def done(ids: list[str]) -> str:
                return f"Turned the {device.name} {direction} to {level}."
        else:
            def done(ids: list[str]) -> str:
                return f"Set the {device.name} volume to {level}."
        return await carry_out(ctx, [Command(device.id, {"volume": level})], done,
                               f"change its volume to {level}", data={"volume": level})


def _signed(step: Any) -> int | None:
    """A volume step said as a number ("up by 20": 20, "down 10": -10), else None ("up", "down")."""
    try:
        return int(float(step))
    except (TypeError, ValueError):
        return None
