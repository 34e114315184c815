"""What the services need of a model, without the ``openai`` client behind it.

The chat function imports the services but, in AWS, never calls the model (its
worker does): importing ``openai`` there cost its first request ~400 ms (issue 14;
docs/performance.md section 4). The services depend on this module; only the
worker, and the chat function when it runs turns in its own process (locally, in
tests), load agent/model.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from chat_core.agent.catalogue import AgentType
from chat_core.agent.history import PromptMessage


class ModelUnavailable(Exception):
    """The model failed, timed out or refused; the turn keeps the user's message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ModelUsage:
    """Token counts as the model reported them (sent in the stream's last chunk)."""

    prompt_tokens: int
    completion_tokens: int


class ReplyStream(Protocol):
    """An open reply: iterate for text pieces (``str``) and, last, ``ModelUsage``.

    Iteration raises ModelUnavailable when the stream breaks. ``close()`` may be
    called from another thread and ends the HTTP response at once, so a stopped
    turn pays for no further tokens.
    """

    def __iter__(self) -> Iterator[str | ModelUsage]: ...

    def close(self) -> None: ...


class ChatModel(Protocol):
    def stream(self, agent: AgentType, prompt: list[PromptMessage]) -> ReplyStream: ...


class DeferredModel:
    """A model built on its first use: the chat function hands every turn to the
    worker, so with this it never imports the model client at all."""

    def __init__(self, build: Callable[[], ChatModel]) -> None:
        self._build = build
        self._model: ChatModel | None = None

    def stream(self, agent: AgentType, prompt: list[PromptMessage]) -> ReplyStream:
        if self._model is None:
            self._model = self._build()
        return self._model.stream(agent, prompt)
