"""The agent types as GET /v1/agents shows them: what each may call."""

from __future__ import annotations

from pydantic import BaseModel


class AgentTool(BaseModel):
    name: str
    description: str


class McpSource(BaseModel):
    name: str
    tools: list[str] | None = None  # None: every tool the server lists
    needs_approval: list[str] = []


class Agent(BaseModel):
    name: str
    description: str
    default: bool
    tools: list[AgentTool] = []  # the built-in tools it may call while it answers
    mcp_servers: list[McpSource] = []


class AgentList(BaseModel):
    items: list[Agent]
