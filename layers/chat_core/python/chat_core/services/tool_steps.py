"""The worker's model steps: each streamed and relayed (GenerationLoop); when the model
ends one asking for tools, they run (tools/runner.py), the clients see each call and
its result live, and the prompt grows by the call and its outputs for the next step.

While tools run, the turn still answers to Stop, its deadline and its lease, polled as
the generation loop polls them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from chat_core.agent.catalogue import AgentType
from chat_core.agent.history import PromptMessage, PromptToolCall
from chat_core.agent.model_port import ChatModel, ModelUnavailable
from chat_core.agent.pump import StreamPump
from chat_core.errors import AgentUnavailable
from chat_core.live.events import TurnToolCall, TurnToolResult, TurnToolSourceUnavailable
from chat_core.live.relay import LiveRelay
from chat_core.replies import MAX_STORED_ARGUMENT_BYTES, MAX_STORED_OUTPUT_BYTES, ReplyEnding
from chat_core.repository.records import Approval, MessageRecord, ToolStep
from chat_core.repository.turn_kinds import Decision
from chat_core.services.generation import Generation, GenerationLoop
from chat_core.services.paused_turns import AWAITING_OUTPUT, freeze
from chat_core.tools.box import Toolbox
from chat_core.tools.calls import ToolCall, ToolOutcome, preview
from chat_core.tools.runner import run_tools
from chat_core.tools.spec import Tool, ToolContext


@dataclass(frozen=True)
class TurnWatch:
    """What a running turn answers to between the model's pieces."""

    relay: LiveRelay
    ids: tuple[str, str]  # conversation id, turn id
    began: float  # monotonic
    deadline_seconds: int
    keep_lease: Callable[[], bool]
    poll_seconds: float
    monotonic: Callable[[], float] = time.monotonic

    @property
    def deadline(self) -> float:
        return self.began + self.deadline_seconds

    def interrupted(self, generation: Generation) -> bool:
        """One poll: True (and the generation says why) on Stop, a lost lease or the
        deadline."""
        self.relay.poll(generation.text, generation.reasoning)
        if self.relay.stop_requested(self.ids[1]):
            generation.end(ReplyEnding.STOPPED)
            return True
        if not self.keep_lease():
            generation.lost = True
            return True
        if self.monotonic() >= self.deadline:
            generation.end(
                ReplyEnding.DEADLINE,
                AgentUnavailable(
                    f"The reply took longer than {self.deadline_seconds} s and was cut "
                    "short; what was written is kept."
                ),
            )
            return True
        return False


@dataclass(frozen=True)
class Resumed:
    """A paused turn going on: its reply as stored, the steps' messages as the model
    read them (paused_turns.thaw), and the user's decisions."""

    reply: MessageRecord
    messages: list[PromptMessage]
    decisions: tuple[Decision, ...]


def run_steps(
    model: ChatModel,
    agent: AgentType,
    prompt: list[PromptMessage],
    continued: str,
    loop: GenerationLoop,
    watch: TurnWatch,
    context: ToolContext,
    toolbox: Toolbox,
    resumed: Resumed | None = None,
) -> Generation:
    """The turn's generation: at most ``agent.max_steps`` steps with tools, then one
    without, so a model that keeps calling still answers. ModelUnavailable when the
    first step cannot start (nothing was sent); a later one ends the reply as ``error``
    with what it holds. A tool source that is unavailable is told to the clients and
    to the model, which can say so. A call of a tool that needs approval pauses the
    turn once the step's other calls ran (the generation's ending says so); a resumed
    turn first settles the calls it paused for, then goes on from its next step."""
    tools = toolbox.tools
    prompt = [*prompt, *_unavailable_notes(toolbox, watch)]
    base = len(prompt)  # the steps' messages follow: what a pause saves
    generation = Generation(text=continued, seed=len(continued))
    first = 1
    if resumed is not None:
        generation = Generation(text=resumed.reply.content, seed=len(resumed.reply.content))
        prompt = [*prompt, *settle(resumed, generation, tools, context, watch)]
        first = max((call.step for call in generation.tool_steps), default=0) + 1
        if generation.lost or generation.ending is not ReplyEnding.STOP:
            return generation
    for step in range(first, agent.max_steps + 2):
        offer = [spec.schema() for spec in tools.values()] if step <= agent.max_steps else []
        step_start = len(generation.text)
        try:
            stream = model.stream(agent, prompt, offer or None)
        except ModelUnavailable as exc:
            if step == first and resumed is None:
                raise
            generation.end(ReplyEnding.ERROR, loop.model_error(exc))
            break
        if step == first:  # the tabs are learnt while the model thinks of its first word
            watch.relay.poll(generation.text)
        generation = loop.run(
            generation, StreamPump(stream), watch.relay, watch.ids, watch.began, watch.keep_lease
        )
        if generation.lost or not offer or not generation.wants_tools():
            break
        calls = generation.take_calls()
        gated = [c for c in calls if c.name in tools and tools[c.name].needs_approval]
        messages, steps = run_step(
            step, generation.text[step_start:], calls, gated, generation, tools, context, watch
        )
        generation.tool_steps += steps
        prompt = [*prompt, *messages]
        if generation.lost or generation.ending is not ReplyEnding.STOP:
            break
        if gated:
            generation.tool_steps += [_pending(call, step) for call in gated]
            generation.pause(freeze(prompt[base:]))
            break
    return generation


def settle(
    resumed: Resumed,
    generation: Generation,
    tools: Mapping[str, Tool],
    context: ToolContext,
    watch: TurnWatch,
) -> list[PromptMessage]:
    """The paused calls decided: the approved ones run now, the rejected ones answer
    with the user's reason. The steps' messages, every call of the paused step answered
    in the order the model made them (as OpenAI requires), and the reply's steps."""
    decided = {d.call_id: d for d in resumed.decisions}
    asked = {c.call_id: c for m in resumed.messages for c in m.tool_calls}
    pending = [s for s in resumed.reply.tool_calls if s.approval is Approval.PENDING]
    approved = [
        ToolCall(s.call_id, s.name, asked[s.call_id].arguments if s.call_id in asked else "{}")
        for s in pending
        if decided.get(s.call_id, _REJECTED).approved
    ]
    ran, _ = run_tools(
        approved,
        tools,
        context,
        interrupted=lambda: watch.interrupted(generation),
        poll_seconds=watch.poll_seconds,
        monotonic=watch.monotonic,
    )
    outcomes = {o.call.call_id: o for o in ran}
    settled: dict[str, ToolStep] = {}
    answers: dict[str, PromptMessage] = {}
    for step in pending:
        decision = decided.get(step.call_id, _REJECTED)
        outcome = outcomes.get(step.call_id) or ToolOutcome(
            ToolCall(step.call_id, step.name, step.arguments), decision.refusal(), True, 0
        )
        _send_result(watch, outcome)
        approval = Approval.APPROVED if decision.approved else Approval.REJECTED
        settled[step.call_id] = replace(outcome.stored(step.step), approval=approval)
        answers[step.call_id] = PromptMessage(
            "tool", outcome.for_model(), tool_call_id=step.call_id
        )
    generation.tool_steps = [settled.get(s.call_id, s) for s in resumed.reply.tool_calls]
    return _answered_in_order(resumed.messages, answers)


def _answered_in_order(
    messages: list[PromptMessage], answers: dict[str, PromptMessage]
) -> list[PromptMessage]:
    """``messages`` with the last step's tool messages, those saved and ``answers``, in
    its calls' order."""
    last = max((i for i, m in enumerate(messages) if m.tool_calls), default=None)
    if last is None:
        return messages
    answers = {m.tool_call_id: m for m in messages[last + 1 :] if m.tool_call_id} | answers
    return [
        *messages[: last + 1],
        *(
            answers.get(c.call_id)
            or PromptMessage("tool", _REJECTED.refusal(), tool_call_id=c.call_id)
            for c in messages[last].tool_calls
        ),
    ]


_REJECTED = Decision("", approved=False)


def _pending(call: ToolCall, step: int) -> ToolStep:
    return ToolStep(
        call_id=call.call_id,
        name=call.name,
        arguments=preview(call.arguments, MAX_STORED_ARGUMENT_BYTES),
        output=AWAITING_OUTPUT,
        step=step,
        approval=Approval.PENDING,
    )


def run_step(
    step: int,
    step_text: str,
    calls: list[ToolCall],
    gated: list[ToolCall],
    generation: Generation,
    tools: Mapping[str, Tool],
    context: ToolContext,
    watch: TurnWatch,
) -> tuple[list[PromptMessage], list[ToolStep]]:
    """Runs the step's calls but the ``gated`` ones (which wait for approval): the
    messages that extend the prompt, and the stored steps. When the turn is
    interrupted meanwhile, the generation's ending says so and the caller stores what
    there is."""
    conversation_id, turn_id = watch.ids
    for call in calls:
        watch.relay.send_tool_event(
            TurnToolCall(
                conversation_id=conversation_id,
                turn_id=turn_id,
                call_id=call.call_id,
                step=step,
                name=call.name,
                arguments=preview(call.arguments, MAX_STORED_ARGUMENT_BYTES),
                approval="pending" if call in gated else None,
            )
        )
    outcomes, _ = run_tools(
        [call for call in calls if call not in gated],
        tools,
        context,
        interrupted=lambda: watch.interrupted(generation),
        poll_seconds=watch.poll_seconds,
        monotonic=watch.monotonic,
    )
    for outcome in outcomes:
        _send_result(watch, outcome)
    messages = [
        PromptMessage("assistant", step_text, tool_calls=tuple(_prompt_call(c) for c in calls)),
        *(PromptMessage("tool", o.for_model(), tool_call_id=o.call.call_id) for o in outcomes),
    ]
    return messages, [o.stored(step) for o in outcomes]


def _send_result(watch: TurnWatch, outcome: ToolOutcome) -> None:
    conversation_id, turn_id = watch.ids
    watch.relay.send_tool_event(
        TurnToolResult(
            conversation_id=conversation_id,
            turn_id=turn_id,
            call_id=outcome.call.call_id,
            output=preview(outcome.output, MAX_STORED_OUTPUT_BYTES),
            error=outcome.error,
            duration_ms=outcome.duration_ms,
        )
    )


def _unavailable_notes(toolbox: Toolbox, watch: TurnWatch) -> list[PromptMessage]:
    conversation_id, turn_id = watch.ids
    notes = []
    for source in toolbox.unavailable:
        watch.relay.send_tool_event(
            TurnToolSourceUnavailable(
                conversation_id=conversation_id,
                turn_id=turn_id,
                source=source.name,
                reason=source.reason,
            )
        )
        notes.append(
            PromptMessage(
                "system",
                f"The tools of {source.name} are unavailable for this reply: {source.reason}. "
                "If the user asks for them, say so.",
            )
        )
    return notes


def _prompt_call(call: ToolCall) -> PromptToolCall:
    return PromptToolCall(call.call_id, call.name, call.arguments)
