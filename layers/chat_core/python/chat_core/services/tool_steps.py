"""The worker's model steps: each streamed and relayed (GenerationLoop); when the model
ends one asking for tools, they run (tools/runner.py), the clients see each call and
its result live, and the prompt grows by the call and its outputs for the next step.

While tools run, the turn still answers to Stop, its deadline and its lease, polled as
the generation loop polls them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from chat_core.agent.catalogue import AgentType
from chat_core.agent.history import PromptMessage, PromptToolCall
from chat_core.agent.model_port import ChatModel, ModelUnavailable
from chat_core.agent.pump import StreamPump
from chat_core.errors import AgentUnavailable
from chat_core.live.events import TurnToolCall, TurnToolResult, TurnToolSourceUnavailable
from chat_core.live.relay import LiveRelay
from chat_core.replies import MAX_STORED_ARGUMENT_BYTES, MAX_STORED_OUTPUT_BYTES, ReplyEnding
from chat_core.repository.records import ToolStep
from chat_core.services.generation import Generation, GenerationLoop
from chat_core.tools.box import Toolbox
from chat_core.tools.calls import ToolCall, preview
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


def run_steps(
    model: ChatModel,
    agent: AgentType,
    prompt: list[PromptMessage],
    continued: str,
    loop: GenerationLoop,
    watch: TurnWatch,
    context: ToolContext,
    toolbox: Toolbox,
) -> Generation:
    """The turn's generation: at most ``agent.max_steps`` steps with tools, then one
    without, so a model that keeps calling still answers. ModelUnavailable when the
    first step cannot start (nothing was sent); a later one ends the reply as ``error``
    with what it holds. A tool source that is unavailable is told to the clients and
    to the model, which can say so."""
    tools = toolbox.tools
    prompt = [*prompt, *_unavailable_notes(toolbox, watch)]
    generation = Generation(text=continued, seed=len(continued))
    for step in range(1, agent.max_steps + 2):
        offer = [spec.schema() for spec in tools.values()] if step <= agent.max_steps else []
        step_start = len(generation.text)
        try:
            stream = model.stream(agent, prompt, offer or None)
        except ModelUnavailable as exc:
            if step == 1:
                raise
            generation.end(ReplyEnding.ERROR, loop.model_error(exc))
            break
        if step == 1:  # the tabs are learnt while the model thinks of its first word
            watch.relay.poll(continued)
        generation = loop.run(
            generation, StreamPump(stream), watch.relay, watch.ids, watch.began, watch.keep_lease
        )
        if generation.lost or not offer or not generation.wants_tools():
            break
        messages, steps = run_step(
            step, generation.text[step_start:], generation, tools, context, watch
        )
        generation.tool_steps += steps
        prompt = [*prompt, *messages]
        if generation.lost or generation.ending is not ReplyEnding.STOP:
            break
    return generation


def run_step(
    step: int,
    step_text: str,
    generation: Generation,
    tools: Mapping[str, Tool],
    context: ToolContext,
    watch: TurnWatch,
) -> tuple[list[PromptMessage], list[ToolStep]]:
    """Runs the calls the model asked for in ``generation``: the messages that extend
    the prompt, and the stored steps. When the turn is interrupted meanwhile, the
    generation's ending says so and the caller stores what there is."""
    calls = generation.take_calls()
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
            )
        )
    outcomes, _ = run_tools(
        calls,
        tools,
        context,
        interrupted=lambda: watch.interrupted(generation),
        poll_seconds=watch.poll_seconds,
        monotonic=watch.monotonic,
    )
    for outcome in outcomes:
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
    messages = [
        PromptMessage("assistant", step_text, tool_calls=tuple(_prompt_call(c) for c in calls)),
        *(PromptMessage("tool", o.for_model(), tool_call_id=o.call.call_id) for o in outcomes),
    ]
    return messages, [o.stored(step) for o in outcomes]


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
