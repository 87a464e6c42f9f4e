"""Wyoming `intent`: `recognize` -> `intent` with Home Assistant's intent and slot names, or `not-recognized`.

The text goes through the agent's rewrite layer and NLU and is resolved against the home, as a turn would be,
but nothing is done and nothing is logged: the client acts on the intent itself. Readings the agent names
more finely are given Home Assistant's names (locking is `HassTurnOn` of the `lock` domain); requests Home
Assistant has no intent for (a confirmation, teaching, anything nobody can serve) are not recognized."""

from __future__ import annotations

from wyoming.event import Event
from wyoming.intent import Entity, Intent, NotRecognized, Recognize

from agent.agent import Agent
from agent.nlu.assist import HOME_ASSISTANT_NAMES, home_assistant_intent_names
from agent.trace import Stage
from agent.turn import Resolution, SlotValue
from agent.wyoming.satellite import satellite_of

DOMAIN_OF = {"HassLockDoor": "lock", "HassUnlockDoor": "lock"}
"""The domain Home Assistant's reading of these intents is about."""
OWN_SLOTS = frozenset({"query"})
"""Slots of the agent's own, which Home Assistant's intents do not take."""


class IntentService:
    """Recognizes requests with the agent's understanding of its home."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    async def recognize(self, request: Recognize) -> Event:
        where = satellite_of(self.agent.home, request.context)
        ctx = self.agent.new_turn(None, where.device, text=request.text, remote=where.remote)
        resolution: Resolution = await self.agent.running_pipeline.run(request.text, ctx, start=Stage.ASR,
                                                                       end=Stage.RESOLVE)
        ours = resolution.intent.name
        theirs = HOME_ASSISTANT_NAMES.get(ours, ours)
        if theirs not in home_assistant_intent_names():
            return NotRecognized(f"{request.text!r} is not a request Home Assistant has an intent for",
                                 context=request.context).event()
        slots: dict[str, SlotValue] = {k: v for k, v in resolution.intent.slots.items() if k not in OWN_SLOTS}
        if ours in DOMAIN_OF:
            slots["domain"] = DOMAIN_OF[ours]
        if not {"name", "area", "floor"} & set(slots) and len(resolution.devices) == 1:
            device = self.agent.home.device(resolution.devices[0])  # "what's the temperature?": the oven that is on
            if device is not None:
                slots["name"] = device.name
        return Intent(theirs, [Entity(k, v) for k, v in slots.items()], context=request.context).event()
