"""The dialogue manager: what the agent does with a resolved request around the skill that serves it.

A yes or no to a question it asked, "never mind", the guided "learn my preferences" interview, "that's not what
I meant" (switch back, ask again), taught routines, a request left unsaid ("turn on the ...": "Turn on what?"),
a question back from resolution, asking before opening, unlocking or heating on a guess (`safety.py`), the offer
to remember a name right after a miss, and which value a question back asked for (the NLU stage reads the
answer: `agent.nlu.completion`). Everything else goes straight to the skills (`agent.result.stage`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from agent.dialogue.safety import clear_yes, opens_something, question
from agent.dialogue.state import ANSWER_WINDOW_S, CONFIRM_WINDOW_S, OpenQuestion, PendingAction
from agent.teach import interview
from agent.teach.interview import ANSWER
from agent.teach.parse import LEARN, NOT_MEANT, TEACH
from agent.text import ARTICLES, last_word
from agent.turn import Intent, Outcome, Resolution, Result
from skills.base import names

if TYPE_CHECKING:  # the turn's context holds the dialogue's state: the manager only reads it
    from agent.context import TurnContext

Dispatch = Callable[[Resolution, "TurnContext"], Awaitable[Result]]
"""Hands a request to its skill (`agent.result.stage.ResultStage.dispatch`)."""
ASK_WHAT = {"HassTurnOn": "Turn on", "HassTurnOff": "Turn off", "HassLockDoor": "Lock", "HassUnlockDoor": "Unlock"}
"""A request for one of these left unsaid ("turn on the ..."), whatever was read into the words before, is asked
about: what was heard of it is a guess (Whisper: "turn on heat turn on the")."""
UNDO = {"HassTurnOn": "HassTurnOff", "HassTurnOff": "HassTurnOn"}
"""What switches back a request declared wrong."""


class DialogueManager:
    """Answers a resolved request within the conversation, running skills through `dispatch`."""

    def __init__(self, dispatch: Dispatch) -> None:
        self.dispatch = dispatch

    async def respond(self, resolution: Resolution, ctx: TurnContext) -> Result:
        """The answer to `resolution`, which the dialogue remembers when the turn ends (`Dialogue.end`)."""
        result = await self._respond(resolution, ctx)
        ctx.answered = resolution
        ctx.dialogue.question = OpenQuestion(resolution.intent, result.asks_for, ctx.now + ANSWER_WINDOW_S) \
            if result.asks_for else None
        return result

    async def _respond(self, resolution: Resolution, ctx: TurnContext) -> Result:
        name = resolution.intent.name
        if name == "HassConfirm":
            return await self._confirmed(resolution, ctx)
        if name == "HassDeny" and ctx.dialogue.take_pending(ctx.now):
            return Result("Okay, I won't.", Outcome.SUCCESS)
        if name in ("HassDeny", "HassNevermind"):
            ctx.dialogue.pending = None
            if ctx.dialogue.interview is not None:
                ctx.dialogue.interview = None
                return Result("Okay, that's enough questions for now.", Outcome.SUCCESS)
        if name in (LEARN, ANSWER):
            return await self._interview(resolution, ctx)
        if name == NOT_MEANT:
            return await self._not_meant(resolution, ctx)
        if name in ASK_WHAT and last_word(resolution.intent.text) in ARTICLES:
            return Result(f"{ASK_WHAT[name]} what?", Outcome.CLARIFY, asks_for="name")
        if resolution.question:
            return Result(resolution.question, Outcome.CLARIFY)
        if resolution.problem:
            return Result(resolution.problem, Outcome.UNRESOLVED)
        if resolution.steps:
            return await self._routine(resolution, ctx, confirmed=False)
        asked = question(resolution, ctx.home)
        if asked is not None:
            text, devices = asked
            ctx.dialogue.pending = PendingAction(resolution, text, ctx.now + CONFIRM_WINDOW_S)
            return Result(text, Outcome.CONFIRM, data={"pending": devices})
        return self._offer_to_remember(resolution, await self.dispatch(resolution, ctx), ctx)

    async def _not_meant(self, said: Resolution, ctx: TurnContext) -> Result:
        """"That's not what I meant": switch back what the last request switched, and ask what was meant."""
        last = ctx.dialogue.last_turn
        if not ctx.dialogue.declared_wrong(ctx.now) or last is None:
            return Result("Sorry. What did you mean?", Outcome.SUCCESS)
        undone = ""
        if last.outcome == Outcome.SUCCESS and last.intent in UNDO and last.devices:
            back = Resolution(Intent(UNDO[last.intent], {}, 1.0, said.intent.text), tuple(last.devices))
            undone = (await self.dispatch(back, ctx)).speech + " "
        return Result(f"Sorry about that. {undone}What did you mean?", Outcome.SUCCESS)

    @staticmethod
    def _offer_to_remember(done: Resolution, result: Result, ctx: TurnContext) -> Result:
        """Right after a miss ("the big light"? "that's not what I meant"), the same request done on one device
        is a teachable moment: offer to remember that the name meant that device (asked, never assumed)."""
        missed = ctx.dialogue.missed
        if (missed is None or result.outcome != Outcome.SUCCESS or done.intent.name != missed.intent
                or len(done.devices) != 1):
            return result
        device = ctx.home.device_by_id[done.devices[0]]
        phrase = missed.phrase.lower().removeprefix("the ")
        ctx.dialogue.missed = None
        if device in ctx.home.devices_called(phrase):
            return result
        question = f"Should I remember that the {phrase} means the {device.name}?"
        teach = Intent(TEACH, {"kind": "alias", "alias": phrase, "target": device.name}, 1.0,
                       f"call the {phrase} the {device.name}")
        ctx.dialogue.pending = PendingAction(Resolution(teach), question, ctx.now + CONFIRM_WINDOW_S)
        return Result(f"{result.speech} {question}", result.outcome, result.actions, {**result.data, "offer": phrase})

    async def _confirmed(self, yes: Resolution, ctx: TurnContext) -> Result:
        pending = ctx.dialogue.pending
        if pending is not None and ctx.now <= pending.expires_at and not clear_yes(yes):
            return Result(f"Sorry, was that a yes? {pending.question}", Outcome.CONFIRM, data={"pending": []})
        pending = ctx.dialogue.take_pending(ctx.now)
        if pending is None:
            return Result("There's nothing to confirm.", Outcome.UNRESOLVED)
        if pending.resolution.steps:
            return await self._routine(pending.resolution, ctx, confirmed=True)
        return await self.dispatch(pending.resolution, ctx)

    async def _routine(self, routine: Resolution, ctx: TurnContext, confirmed: bool) -> Result:
        """Each request of a taught routine in turn; one that would open or unlock something asks first, every
        time, however it was taught."""
        name = routine.intent.slots.get("name", "that routine")
        unclear = next((step for step in routine.steps if step.question or step.problem), None)
        if unclear is not None:
            return Result(f"I can't run {name}: {unclear.question or unclear.problem}", Outcome.UNRESOLVED)
        opened = [d for step in routine.steps for d in opens_something(step, ctx.home)]
        if opened and not confirmed:
            verb = "unlock" if any(ctx.home.device_by_id[d].type == "lock" for d in opened) else "open"
            question = f"{str(name).capitalize()} would {verb} {names(ctx.home, opened)}. Shall I go ahead?"
            ctx.dialogue.pending = PendingAction(routine, question, ctx.now + CONFIRM_WINDOW_S)
            return Result(question, Outcome.CONFIRM, data={"pending": opened})
        done = [await self.dispatch(step, ctx) for step in routine.steps]
        failed = next((r for r in done if r.outcome != Outcome.SUCCESS), None)
        return Result(" ".join(r.speech for r in done), failed.outcome if failed else Outcome.SUCCESS,
                      tuple(a for r in done for a in r.actions))

    async def _interview(self, request: Resolution, ctx: TurnContext) -> Result:
        """"learn my preferences": ask the first question; each answer is taught, then the next is asked."""
        asked = ctx.dialogue.interview
        if request.intent.name == LEARN or asked is None or asked.user != ctx.user:
            ctx.dialogue.interview = interview.start(ctx.user, ctx.now)
            return Result(f"Let's see. {ctx.dialogue.interview.question} You can say skip.", Outcome.SUCCESS)
        said = ""
        if "value" in request.intent.slots:
            teach = Intent(TEACH, request.intent.slots, 1.0, request.intent.text)
            taught = await self.dispatch(Resolution(teach), ctx)
            if taught.outcome != Outcome.SUCCESS:
                return taught
            said = taught.speech + " "
        ctx.dialogue.interview = asked.next(ctx.now)
        if ctx.dialogue.interview is None:
            return Result(said + "That's all my questions. Ask me what I know about you any time.", Outcome.SUCCESS)
        return Result(said + ctx.dialogue.interview.question, Outcome.SUCCESS)
