"""A tool the agent may call (Tool): its schema for the model, the check its arguments
pass before it runs, and what it does. ToolSpec is a built-in one, its arguments a
pydantic model (the JSON schema the model is given and the check); a remote MCP
server's tools are McpTool (tools/mcp_source.py), checked against the server's schema."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

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


class Tool(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def timeout_seconds(self) -> float: ...

    @property
    def needs_approval(self) -> bool:
        """The turn pauses for the user's decision before this tool runs."""
        ...

    def schema(self) -> dict[str, Any]:
        """The tool as Chat Completions' ``tools`` lists it."""
        ...

    def problem(self, arguments: str) -> str | None:
        """Why these arguments (JSON text) cannot be used, as the model should read it;
        None when they can."""
        ...

    def invoke(self, arguments: str, context: ToolContext) -> str:
        """The output the model reads; ToolFailed when the tool could not do it."""
        ...


Arguments = TypeVar("Arguments", bound=BaseModel)


@dataclass(frozen=True)
class ToolSpec(Generic[Arguments]):
    name: str
    description: str
    arguments: type[Arguments]
    run: Callable[[Arguments, ToolContext], str]
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    needs_approval: bool = False

    def problem(self, arguments: str) -> str | None:
        try:
            self.arguments.model_validate_json(arguments or "{}")
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first.get("loc", ()))
            reason = first.get("msg", "not valid")
            return (
                f"Invalid arguments: {where}: {reason}."
                if where
                else f"Invalid arguments: {reason}."
            )
        return None

    def invoke(self, arguments: str, context: ToolContext) -> str:
        return self.run(self.arguments.model_validate_json(arguments or "{}"), context)

    def schema(self) -> dict[str, Any]:
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
