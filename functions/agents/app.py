"""GET /v1/agents: the agent types a conversation can use, with the tools of each."""

from chat_core.agent.catalogue import AGENT_TYPES
from chat_core.http import create_app, lambda_handler_for
from chat_core.models import Agent, AgentList, AgentTool
from chat_core.tools.box import tools_of

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
                    AgentTool(name=t.name, description=t.description) for t in tools_of(a).values()
                ],
            )
            for a in AGENT_TYPES
        ]
    )


lambda_handler = lambda_handler_for(app, traced=False)
