"""PATCH /v1/conversations/{id}: rename and/or replace metadata."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from chat_core.http import caller_sub, create_app, lambda_handler_for
from chat_core.models import UUID_PATTERN, Conversation, UpdateConversationRequest
from chat_core.settings import (
    ActionLimits,
    ConversationLimits,
    TableSettings,
    declare_settings,
)
from chat_core.wiring import conversation_service, spend_action

declare_settings(ActionLimits, ConversationLimits, TableSettings)

app = create_app(spend=spend_action)


@app.patch("/v1/conversations/<id>")
def update_conversation(
    id: Annotated[str, Path(pattern=UUID_PATTERN)], request: UpdateConversationRequest
) -> Conversation:
    return conversation_service().update(caller_sub(app), id, request)


lambda_handler = lambda_handler_for(app)
