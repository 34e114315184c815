"""A tool the agent may call: its name and description for the model, its arguments as
a pydantic model (the JSON schema the model is given, and the check its arguments
pass before the tool runs), and what it does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from chat_core.repository.port import ConversationPort, MessagePort

DEFAULT_TIMEOUT_SECONDS = 30.0


class RecallStore(ConversationPort, MessagePort, Protocol):
    """What recall reads: the caller's conversations and their messages."""


@dataclass(frozen=True)
class ToolContext:
    """What a tool may know of the turn: whose it is (recall reads only their own
    conversations), the time, and the user's time zone when the client sent it."""

    sub: str
    conversation_id: str
    now_ms: int
    repo: RecallStore
    time_zone: str | None = None


class ToolFailed(Exception):
    """The tool could not do what was asked; the message is what the model reads."""


Arguments = TypeVar("Arguments", bound=BaseModel)


@dataclass(frozen=True)
class ToolSpec(Generic[Arguments]):
    name: str
    description: str
    arguments: type[Arguments]
    run: Callable[[Arguments, ToolContext], str]
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def schema(self) -> dict[str, Any]:
        """The tool as Chat Completions' ``tools`` lists it."""
        parameters = self.arguments.model_json_schema()
        parameters.pop("title", None)
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": parameters,
            },
        }
