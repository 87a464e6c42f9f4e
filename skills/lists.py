"""Shopping and to-do lists: add, check off and remove items."""

from __future__ import annotations

from agent.turn import Outcome, Resolution, Result
from skills.base import Skill, SkillContext
from skills.common import Command, carry_out

ACTIONS = {
    "HassShoppingListAddItem": "add", "HassListAddItem": "add",
    "HassShoppingListCompleteItem": "complete", "HassListCompleteItem": "complete", "HassListRemoveItem": "remove",
}


class ListSkill(Skill):
    """Home Assistant's shopping list and to-do list intents, on the home's `todo` devices."""

    intents = frozenset(ACTIONS)

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        if len(request.devices) != 1:
            return Result("Which list do you mean?", Outcome.UNRESOLVED)
        item = str(request.values.get("item") or "").strip().lower()
        if not item:
            return Result("What should I put on it?", Outcome.UNRESOLVED)
        device = ctx.device(request.devices[0])
        action = ACTIONS[request.intent.name]
        items = ctx.state(device.id).get("items") or []
        if action != "add" and item not in items:
            return Result(f"{item.capitalize()} isn't on your {device.name}.", Outcome.UNRESOLVED,
                          data={"items": items})
        if action == "add" and item in items:
            return Result(f"{item.capitalize()} is already on your {device.name}.", Outcome.SUCCESS,
                          data={"items": items})

        def listed(state: dict[str, object]) -> bool:
            now = state.get("items") or []
            return (item in now) == (action == "add")  # type: ignore[operator]

        said = {"add": f"Added {item} to", "complete": f"Checked {item} off", "remove": f"Removed {item} from"}
        return await carry_out(ctx, [Command(device.id, {action: item}, until=listed)],
                               lambda ids: f"{said[action]} your {device.name}.", f"{action} {item}",
                               data={"item": item, "list": device.id})
