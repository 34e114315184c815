"""What the services need of a model, without the ``openai`` client behind it.

The chat function imports the services but, in AWS, never calls the model (its
worker does): importing ``openai`` there cost its first request ~400 ms
(docs/performance.md section 4). The services depend on this module; only the
worker, and the chat function when it runs turns in its own process (locally, in
tests), load agent/model.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from chat_core.agent.catalogue import AgentType
from chat_core.agent.history import PromptMessage


class ModelUnavailable(Exception):
    """The model failed or timed out; the turn keeps the user's message, and asking
    again later may succeed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ModelRefused(ModelUnavailable):
    """The model refused the request itself (HTTP 400, 401, 403, 404: a parameter the
    model does not take, a bad key, an unknown model). Asking again cannot help: the
    operator has to fix the configuration."""


@dataclass(frozen=True)
class ModelUsage:
    """Token counts as the model reported them (sent in the stream's last chunk)."""

    prompt_tokens: int
    completion_tokens: int
    # Of completion_tokens, those spent thinking (completion_tokens_details).
    reasoning_tokens: int = 0


@dataclass(frozen=True)
class ReasoningText:
    """A piece of the model's visible reasoning (``reasoning_content`` or ``reasoning``
    deltas): shown to the user, stored with the reply, never sent back as history."""

    text: str


class FinishReason(StrEnum):
    """Why the model ended its reply, as it said (``finish_reason``)."""

    STOP = "stop"
    LENGTH = "length"
    CONTENT_FILTER = "content_filter"
    TOOL_CALLS = "tool_calls"


@dataclass(frozen=True)
class Finished:
    reason: FinishReason


@dataclass(frozen=True)
class ToolCallDelta:
    """A piece of a tool call: servers send its id and name first, then its JSON
    arguments in fragments, several calls interleaved by ``index``."""

    index: int
    call_id: str | None
    name: str | None
    arguments: str


ModelPiece = str | ReasoningText | ModelUsage | Finished | ToolCallDelta


class ReplyStream(Protocol):
    """An open reply: iterate for text pieces (``str``), reasoning pieces, how the
    model finished (``Finished``) and, last, ``ModelUsage``.

    Iteration raises ModelUnavailable when the stream breaks. ``close()`` may be
    called from another thread and ends the HTTP response at once, so a stopped
    turn pays for no further tokens.
    """

    def __iter__(self) -> Iterator[ModelPiece]: ...

    def close(self) -> None: ...


class ChatModel(Protocol):
    def stream(
        self,
        agent: AgentType,
        prompt: list[PromptMessage],
        tools: list[dict[str, Any]] | None = None,
    ) -> ReplyStream:
        """``tools``: what the model may call this step (Chat Completions' ``tools``)."""
        ...
