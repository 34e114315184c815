"""The tools an agent type may call, by name."""

from __future__ import annotations

from chat_core.agent.catalogue import AgentType
from chat_core.tools.builtin import BUILTIN_TOOLS
from chat_core.tools.spec import ToolSpec


def tools_of(agent: AgentType) -> dict[str, ToolSpec]:  # type: ignore[type-arg]
    """The agent type's tools; a name no tool has is a configuration error, caught by
    the tests of the catalogue before any deploy."""
    return {name: BUILTIN_TOOLS[name] for name in agent.tools}
