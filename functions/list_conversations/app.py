"""GET /v1/conversations: the caller's conversations, most recent activity first."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from chat_core.http import caller_sub, create_app, lambda_handler_for
from chat_core.models import AGENT_TYPE_NAMES, ConversationPage, ConversationStatus
from chat_core.settings import ConversationLimits, CursorSettings, TableSettings, declare_settings
from chat_core.wiring import conversation_service

declare_settings(ConversationLimits, CursorSettings, TableSettings)

app = create_app()


@app.get("/v1/conversations")
def list_conversations(
    status: Annotated[ConversationStatus, Query()] = "active",
    agent_type: Annotated[
        str | None,
        Query(min_length=1, max_length=64, json_schema_extra={"enum": AGENT_TYPE_NAMES}),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=512)] = None,
) -> ConversationPage:
    return conversation_service().list(
        caller_sub(app), status=status, agent_type=agent_type, limit=limit, cursor=cursor
    )


lambda_handler = lambda_handler_for(app)
