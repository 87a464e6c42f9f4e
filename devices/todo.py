"""A to-do or shopping list."""

from __future__ import annotations

from typing import Any

from devices.base import CommandError, SimDevice, text


class TodoList(SimDevice):
    """`{"items": [...], "done": [...]}`; commands `{"add": item}`, `{"complete": item}`, `{"remove": item}`."""

    command_keys = frozenset({"add", "complete", "remove"})

    def default_state(self) -> dict[str, Any]:
        return {"items": [], "done": []}

    def _apply(self, state: dict[str, Any], command: dict[str, Any]) -> None:
        for action in ("add", "complete", "remove"):
            if action not in command:
                continue
            item = text(command, action).lower()
            if action == "add":
                state["items"] = [*state["items"], item]
                continue
            if item not in state["items"]:
                raise CommandError(f"{item!r} is not on the {self.device.name}")
            state["items"] = [i for i in state["items"] if i != item]
            if action == "complete":
                state["done"] = [*state["done"], item]
