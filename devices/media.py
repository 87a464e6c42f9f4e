"""A media player or smart speaker (the Device says whether it has a screen)."""

from __future__ import annotations

import re
from typing import Any

from devices.base import CommandError, SimDevice, choice, integer, text

VIDEO_CLASSES = frozenset({"movie", "video", "tv_show", "episode", "channel"})
TRACK = re.compile(r"^(?P<title>.*) \(track (?P<number>\d+)\)$")


class MediaPlayer(SimDevice):
    """`{"state": off|idle|playing|paused, "media_title", "media_class", "volume": 0-100, "muted", "has_screen"}`;
    `command` next or previous skips."""

    command_keys = frozenset({"state", "media_title", "media_class", "volume", "muted", "command"})

    def default_state(self) -> dict[str, Any]:
        return {
            "state": "idle", "media_title": None, "media_class": None,
            "volume": 40, "muted": False, "has_screen": self.device.has_screen,
        }

    def _apply(self, state: dict[str, Any], command: dict[str, Any]) -> None:
        if "volume" in command:
            state["volume"] = integer(command, "volume", 0, 100)
        if "media_title" in command or "media_class" in command:
            self._play(state, command)
        elif "state" in command:
            self._transport(state, choice(command, "state", ("on", "off", "idle", "playing", "paused")))
        if "muted" in command:
            if not isinstance(command["muted"], bool):
                raise CommandError(f"muted must be true or false, not {command['muted']!r}")
            state["muted"] = command["muted"]
        if "command" in command:
            step = choice(command, "command", ("next", "previous"))
            if state["media_title"] is None:
                raise CommandError(f"nothing is playing to skip {'back' if step == 'previous' else ''}".strip())
            moved = next_title if step == "next" else previous_title
            state.update(state="playing", media_title=moved(state["media_title"]))

    def _play(self, state: dict[str, Any], command: dict[str, Any]) -> None:
        """Start playing a new item."""
        if command.get("state", "playing") != "playing":
            raise CommandError("media_title and media_class go with state playing")
        title = text(command, "media_title")
        media_class = text(command, "media_class") if command.get("media_class") is not None else None
        if media_class in VIDEO_CLASSES and not state["has_screen"]:
            raise CommandError(f"{self.device.name} has no screen to show a {media_class}")
        state.update(state="playing", media_title=title, media_class=media_class)

    def _transport(self, state: dict[str, Any], wanted: str) -> None:
        """Power on or off; resume, pause or stop what is loaded."""
        if wanted in ("on", "off"):
            if wanted == "off" or state["state"] == "off":
                state.update(state="idle" if wanted == "on" else "off", media_title=None, media_class=None)
            return
        if wanted == "playing" and state["media_title"] is None:
            raise CommandError("nothing to resume")
        if wanted == "paused" and state["state"] == "idle":
            raise CommandError("nothing is playing")
        if wanted == "idle":
            state.update(media_title=None, media_class=None)
        state["state"] = wanted


def previous_title(title: str) -> str:
    """The item before `title`: "Jazz (track 3)" -> "Jazz (track 2)" -> "Jazz"; the first one starts over."""
    match = TRACK.match(title)
    if match is None:
        return title
    number = int(match["number"]) - 1
    return match["title"] if number <= 1 else f"{match['title']} (track {number})"


def next_title(title: str) -> str:
    """The item after `title`: "Jazz" -> "Jazz (track 2)" -> "Jazz (track 3)"."""
    match = TRACK.match(title)
    if match:
        return f"{match['title']} (track {int(match['number']) + 1})"
    return f"{title} (track 2)"
