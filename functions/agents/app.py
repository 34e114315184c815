"""GET /v1/agents: the agent types a conversation can use, with the tools of each (the
built-in ones, and the MCP servers it may use, without contacting them)."""

from chat_core.agent.catalogue import AGENT_TYPES
from chat_core.agent.listing import Agent, AgentList, AgentTool, McpSource
from chat_core.http import create_app, lambda_handler_for
from chat_core.tools.builtin import BUILTIN_TOOLS

app = create_app()


@app.get("/v1/agents")
def list_agents() -> AgentList:
    return AgentList(
        items=[
            Agent(
                name=a.name,
                description=a.description,
                default=a.default,
                tools=[
                    AgentTool(name=name, description=BUILTIN_TOOLS[name].description)
                    for name in a.tools
                ],
                mcp_servers=[
                    McpSource(
                        name=s.name,
                        tools=None if s.tools is None else list(s.tools),
                        needs_approval=list(s.approval),
                    )
                    for s in a.mcp_servers
                ],
            )
            for a in AGENT_TYPES
        ]
    )


lambda_handler = lambda_handler_for(app, traced=False)
