"""The history window: what of a conversation the model sees.

Bounded twice: by message count (the one Query reads at most that many items) and
by a token budget (the prompt stays bounded however long the messages are). The
system prompt and the new user message always fit; older messages are dropped first.
"""

from __future__ import annotations

from dataclasses import dataclass

from chat_core.agent.tokens import estimate_tokens
from chat_core.repository.records import MessageRecord


@dataclass(frozen=True)
class PromptMessage:
    role: str
    content: str


def build_prompt(
    system_prompt: str,
    newest_first: list[MessageRecord],
    token_budget: int,
) -> list[PromptMessage]:
    """System prompt + the newest history that fits ``token_budget``, oldest first.

    ``newest_first[0]`` must be the new user message. Failed messages (a turn the
    model never answered) are left out: the user retried them or moved on.
    """
    if not newest_first:
        raise ValueError("the window needs at least the new user message")
    newest, *older = newest_first
    used = estimate_tokens(system_prompt) + estimate_tokens(newest.content)
    kept: list[MessageRecord] = []
    for message in older:
        if message.status == "failed":
            continue
        cost = estimate_tokens(message.content)
        if used + cost > token_budget:
            break
        kept.append(message)
        used += cost
    ordered = [*reversed(kept), newest]
    return [PromptMessage("system", system_prompt)] + [
        PromptMessage(m.role, m.content) for m in ordered
    ]


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
