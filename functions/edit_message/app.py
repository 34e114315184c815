"""PUT /v1/conversations/{id}/messages/{seq}: edit the last user message and resend it.

The earlier text and the reply it had stay readable as a version; the new text is
answered as POST /v1/chat's message is (docs/api.md "Regenerate and edit").
"""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from chat_core.http import caller_sub, create_app, json_response, lambda_handler_for
from chat_core.models import UUID_PATTERN, EditMessageRequest
from chat_core.settings import (
    ConversationLimits,
    DispatchSettings,
    ModelChoice,
    TableSettings,
    TurnBudgets,
    declare_settings,
)
from chat_core.turn_responses import TURN_RESPONSES
from chat_core.wiring import rewrites

declare_settings(DispatchSettings, ConversationLimits, ModelChoice, TableSettings, TurnBudgets)

app = create_app()


@app.put("/v1/conversations/<id>/messages/<seq>", responses=TURN_RESPONSES)
def edit_message(
    id: Annotated[str, Path(pattern=UUID_PATTERN)],
    seq: Annotated[int, Path(ge=1, le=1_000_000_000)],
    request: EditMessageRequest,
) -> Response[str]:
    reply = rewrites().edit(caller_sub(app), id, seq, request)
    return json_response(reply.status_code, reply.body)


lambda_handler = lambda_handler_for(app)
