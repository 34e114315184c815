"""The tools an agent type may call, by name; the agent types file is checked against
them when this module loads (the worker's cold start), naming what is unknown."""

from __future__ import annotations

from chat_core.agent.catalogue import AGENT_TYPES, AgentType, AgentTypesInvalid
from chat_core.tools.builtin import BUILTIN_TOOLS
from chat_core.tools.spec import ToolSpec


def check_tools(agents: tuple[AgentType, ...]) -> None:
    for agent in agents:
        unknown = sorted(set(agent.tools) - set(BUILTIN_TOOLS))
        if unknown:
            raise AgentTypesInvalid(
                f"agent type {agent.name!r} names tools that do not exist: {unknown}; "
                f"the tools are {sorted(BUILTIN_TOOLS)}"
            )


def tools_of(agent: AgentType) -> dict[str, ToolSpec]:  # type: ignore[type-arg]
    return {name: BUILTIN_TOOLS[name] for name in agent.tools}


check_tools(AGENT_TYPES)
