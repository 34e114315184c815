"""DELETE /v1/conversations/{id}: soft delete (404 everywhere at once, purged by TTL)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from chat_core.http import caller_sub, create_app, lambda_handler_for
from chat_core.models import UUID_PATTERN
from chat_core.settings import (
    ActionLimits,
    ConversationLimits,
    TableSettings,
    declare_settings,
)
from chat_core.wiring import conversation_service, spend_action

declare_settings(ActionLimits, ConversationLimits, TableSettings)

app = create_app(spend=spend_action)


@app.delete("/v1/conversations/<id>", responses={204: {"description": "Deleted"}})
def delete_conversation(id: Annotated[str, Path(pattern=UUID_PATTERN)]) -> Response[str]:
    conversation_service().delete(caller_sub(app), id)
    return Response(status_code=204, body="")


lambda_handler = lambda_handler_for(app)
