"""The tools a turn's model may call: its agent type's built-in tools and those its MCP
servers list. The agent types file is checked against the built-in tools when this
module loads (the worker's cold start), naming what is unknown."""

from __future__ import annotations

from dataclasses import dataclass

from chat_core.agent.catalogue import AGENT_TYPES, AgentType, AgentTypesInvalid
from chat_core.observability import logger
from chat_core.tools.builtin import BUILTIN_TOOLS
from chat_core.tools.spec import Tool


@dataclass(frozen=True)
class UnavailableSource:
    """An MCP server whose tools this turn goes without, and why."""

    name: str
    reason: str


@dataclass(frozen=True)
class Toolbox:
    tools: dict[str, Tool]
    unavailable: tuple[UnavailableSource, ...] = ()


def check_tools(agents: tuple[AgentType, ...]) -> None:
    for agent in agents:
        unknown = sorted(set(agent.tools) - set(BUILTIN_TOOLS))
        if unknown:
            raise AgentTypesInvalid(
                f"agent type {agent.name!r} names tools that do not exist: {unknown}; "
                f"the tools are {sorted(BUILTIN_TOOLS)}"
            )


def builtin_tools(agent: AgentType) -> dict[str, Tool]:
    return {name: BUILTIN_TOOLS[name] for name in agent.tools}


def open_toolbox(agent: AgentType, secret_prefix: str = "") -> Toolbox:
    """The agent type's tools for one turn. Each MCP server is asked for its list (or
    its cached list) within its list timeout; one that fails is left out and named. A
    server's tool named like a tool already in the box is left out (the first wins)."""
    tools = builtin_tools(agent)
    if not agent.mcp_servers:
        return Toolbox(tools)
    from chat_core.tools.mcp_auth import McpUnavailable
    from chat_core.tools.mcp_source import list_tools

    unavailable: list[UnavailableSource] = []
    for server in agent.mcp_servers:
        try:
            listed = list_tools(server, secret_prefix)
        except McpUnavailable as exc:
            unavailable.append(UnavailableSource(server.name, str(exc)))
            continue
        for tool in listed:
            if tool.name in tools:
                logger.warning("an MCP tool's name is taken", extra={"tool": tool.name})
                continue
            tools[tool.name] = tool
    return Toolbox(tools, tuple(unavailable))


check_tools(AGENT_TYPES)
