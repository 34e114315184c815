"""POST /v1/conversations: an empty conversation (the cap may archive an old one)."""

from aws_lambda_powertools.event_handler import Response

from chat_core.http import caller_sub, create_app, json_response, lambda_handler_for
from chat_core.models import Conversation, CreateConversationRequest
from chat_core.settings import (
    ActionLimits,
    ConversationLimits,
    TableSettings,
    declare_settings,
)
from chat_core.wiring import conversation_service, spend_action

declare_settings(ActionLimits, ConversationLimits, TableSettings)

app = create_app(spend=spend_action)


@app.post(
    "/v1/conversations",
    responses={
        201: {"description": "Created", "content": {"application/json": {"model": Conversation}}}
    },
)
def create_conversation(request: CreateConversationRequest) -> Response[str]:
    return json_response(201, conversation_service().create(caller_sub(app), request))


lambda_handler = lambda_handler_for(app)
