"""Agent types are data, not code: the operator's JSON file (agent_types.json beside
this module, or the one AGENT_TYPES_FILE names), validated when the layer loads, so a
mistake fails the cold start with the file and the entry named."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError

from chat_core.agent.capabilities import (
    GenerationLimits,
    ModelCapabilities,
    ModelFamily,
    ReasoningEffort,
    capabilities_of,
)
from chat_core.errors import UnknownAgentType


@dataclass(frozen=True)
class McpServer:
    """A remote MCP server (streamable HTTP) an agent type's model may use, as the
    operator configures it. Only this URL is ever contacted for it."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    # The tool source's name, as the UI shows it when it is unavailable.
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
    # http(s) URL, or ${VARIABLE} naming the environment variable that holds it (unset:
    # the server is unavailable to every turn, which says so).
    url: Annotated[str, Field(pattern=r"^(https?://\S+|\$\{[A-Z][A-Z0-9_]*\})$")]
    # The secret sent as ``auth_header`` (Secrets Manager in AWS, the environment
    # locally; see tools/mcp_auth.py); None: no header.
    auth_secret: Annotated[str | None, Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$")] = None
    auth_header: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9-]{0,63}$")] = "Authorization"
    auth_scheme: Annotated[str, Field(max_length=32)] = "Bearer"
    # The server's tools the model is offered (None: all it lists).
    tools: tuple[str, ...] | None = None
    # Tools that need the user's approval before they run.
    approval: tuple[str, ...] = ()
    # Listing its tools (once per warm worker per list_ttl) and each call.
    list_timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 5.0
    timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 30.0
    list_ttl_seconds: Annotated[int, Field(ge=0, le=3600)] = 300


@dataclass(frozen=True)
class AgentType:
    # A typo in the operator's file (an unknown key) is an error, not a silent default.
    __pydantic_config__ = ConfigDict(extra="forbid")

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$")]
    description: Annotated[str, Field(min_length=1, max_length=300)]
    system_prompt: Annotated[str, Field(min_length=1)]
    temperature: Annotated[float, Field(ge=0, le=2)] = 0.7
    # Token budget of the prompt (system + history + new message) sent to the model.
    history_token_budget: Annotated[int, Field(ge=500)] = 6000
    max_output_tokens: Annotated[int, Field(ge=16)] = 1024
    model: str | None = None  # None: the OPENAI_MODEL setting
    # The model's family when the capabilities table does not know it (None: the
    # table's, or OPENAI_MODEL_FAMILY for OPENAI_MODEL).
    model_family: ModelFamily | None = None
    # Asked of reasoning models only (the nearest level the model accepts).
    reasoning_effort: ReasoningEffort | None = None
    default: bool = False
    # The tools the model may call (tools/builtin.py's names), and at most how many
    # times it is asked per turn before it must answer without them.
    tools: tuple[str, ...] = ()
    max_steps: Annotated[int, Field(ge=1, le=25)] = 10
    mcp_servers: tuple[McpServer, ...] = ()

    @property
    def limits(self) -> GenerationLimits:
        return GenerationLimits(self.temperature, self.max_output_tokens, self.reasoning_effort)

    def capabilities(
        self, default_model: str, default_family: ModelFamily | None
    ) -> tuple[str, ModelCapabilities]:
        """The model this agent type asks, and what it accepts: its own model (and
        family), else the deployment's OPENAI_MODEL (and OPENAI_MODEL_FAMILY)."""
        model = self.model or default_model
        declared = self.model_family or (None if self.model else default_family)
        return model, capabilities_of(model, declared)


# The operator's file of agent types (AGENT_TYPES_FILE), else the one shipped with the layer.
AGENT_TYPES_FILE = Path(__file__).with_name("agent_types.json")


class AgentTypesInvalid(ValueError):
    """The agent types file cannot be used; the message says which entry and why."""


def load_agent_types(path: Path) -> tuple[AgentType, ...]:
    """The agent types of ``path``, validated: every field typed and bounded as
    AgentType says, names unique, exactly one default. Tool names are checked against
    the tools that exist by tools/box.py (which this module cannot import)."""
    try:
        agents = tuple(_AGENT_LIST.validate_json(path.read_bytes()))
    except (OSError, ValidationError) as exc:
        raise AgentTypesInvalid(f"{path}: {exc}") from exc
    names = [agent.name for agent in agents]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise AgentTypesInvalid(f"{path}: agent types named more than once: {duplicated}")
    for agent in agents:
        servers = [server.name for server in agent.mcp_servers]
        if len(set(servers)) != len(servers):
            raise AgentTypesInvalid(
                f"{path}: agent type {agent.name!r} names an MCP server more than once"
            )
    defaults = [agent.name for agent in agents if agent.default]
    if len(defaults) != 1:
        raise AgentTypesInvalid(f"{path}: exactly one agent type is the default, not {defaults}")
    return agents


_AGENT_LIST = TypeAdapter(list[AgentType])
AGENT_TYPES: tuple[AgentType, ...] = load_agent_types(
    Path(os.environ.get("AGENT_TYPES_FILE") or AGENT_TYPES_FILE)
)

_BY_NAME = {agent.name: agent for agent in AGENT_TYPES}


def default_agent() -> AgentType:
    return next(agent for agent in AGENT_TYPES if agent.default)


def resolve_agent(name: str | None) -> AgentType:
    """The named agent type, or the default one; unknown names are the caller's error."""
    if name is None:
        return default_agent()
    agent = _BY_NAME.get(name)
    if agent is None:
        raise UnknownAgentType(f"Unknown agent type {name!r}; see GET /v1/agents.")
    return agent
