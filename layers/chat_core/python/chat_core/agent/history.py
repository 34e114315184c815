"""The history window: what of a conversation the model sees.

Bounded twice: by message count (the one Query reads at most that many items) and
by a token budget (the prompt stays bounded however long the messages are). The
system prompt and the new user message always fit; older messages are dropped first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chat_core.agent.tokens import estimate_tokens
from chat_core.repository.records import Approval, MessageRecord, ToolStep


@dataclass(frozen=True)
class PromptToolCall:
    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class PromptMessage:
    role: str
    content: str
    # An assistant message that called tools; then a "tool" message per call answers it.
    tool_calls: tuple[PromptToolCall, ...] = ()
    tool_call_id: str | None = None

    def as_chat_message(self) -> dict[str, Any]:
        """The message as Chat Completions takes it."""
        if self.tool_calls:
            return {
                "role": "assistant",
                "content": self.content or None,
                "tool_calls": [
                    {
                        "id": call.call_id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": call.arguments},
                    }
                    for call in self.tool_calls
                ],
            }
        if self.tool_call_id is not None:
            return {"role": "tool", "tool_call_id": self.tool_call_id, "content": self.content}
        return {"role": self.role, "content": self.content}


def build_prompt(
    system_prompt: str,
    newest_first: list[MessageRecord],
    token_budget: int,
) -> list[PromptMessage]:
    """System prompt + the newest history that fits ``token_budget``, oldest first.

    ``newest_first[0]`` must be the new user message. Failed messages (a turn the
    model never answered) are left out: the user retried them or moved on. A reply's
    tool calls come before its text, as the model made them; when a message does not
    fit with its tool calls, it is kept without them (older outputs go first).
    """
    if not newest_first:
        raise ValueError("the window needs at least the new user message")
    newest, *older = newest_first
    used = estimate_tokens(system_prompt) + estimate_tokens(newest.content)
    kept: list[list[PromptMessage]] = []
    for message in older:
        if message.status == "failed":
            continue
        text = [PromptMessage(message.role, message.content)]
        whole = [*_tool_messages(message), *text]
        for candidate in (whole, text):
            cost = sum(_tokens(m) for m in candidate)
            if used + cost <= token_budget:
                kept.append(candidate)
                used += cost
                break
        else:
            break
    ordered = [m for messages in reversed(kept) for m in messages]
    return [
        PromptMessage("system", system_prompt),
        *ordered,
        PromptMessage(newest.role, newest.content),
    ]


def _tool_messages(message: MessageRecord) -> list[PromptMessage]:
    """A stored reply's tool calls, step by step: the call, then each output."""
    messages: list[PromptMessage] = []
    steps = sorted({call.step for call in message.tool_calls})
    for step in steps:
        calls = [call for call in message.tool_calls if call.step == step]
        messages.append(
            PromptMessage(
                "assistant",
                "",
                tool_calls=tuple(PromptToolCall(c.call_id, c.name, c.arguments) for c in calls),
            )
        )
        messages += [PromptMessage("tool", _output(c), tool_call_id=c.call_id) for c in calls]
    return messages


# What the model reads of a call that waited for an approval nobody gave: the user
# moved on (a new message, an edit) or the turn was left as it was.
UNDECIDED_OUTPUT = "Not run: the user did not approve this call."


def _output(call: ToolStep) -> str:
    return UNDECIDED_OUTPUT if call.approval is Approval.PENDING else call.output


def _tokens(message: PromptMessage) -> int:
    calls = sum(estimate_tokens(c.name + c.arguments) for c in message.tool_calls)
    return estimate_tokens(message.content) + calls


# What the model is asked after its own cut reply (a Continue): its new text is
# appended to that reply as it is.
CONTINUE_INSTRUCTION = (
    "Your previous answer was cut short. Continue it exactly where it stopped: no "
    "preamble, no repetition; your text is appended to it as it is."
)


def continuation_prompt(prompt: list[PromptMessage], cut_reply: str) -> list[PromptMessage]:
    """``prompt`` (ending with the user message the reply answers), then the cut reply
    and the request to go on. A user message last, not an assistant prefix: servers
    that want roles to alternate, and those that take no prefill, accept it."""
    return [
        *prompt,
        PromptMessage("assistant", cut_reply),
        PromptMessage("user", CONTINUE_INSTRUCTION),
    ]
