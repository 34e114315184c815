"""POST /v1/conversations/{id}/regenerate: a new version of the last reply.

Answered as POST /v1/chat is: 200 with the reply, or 202 when it streams or takes
longer than the wait (docs/api.md "Regenerate and edit").
"""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from chat_core.http import caller_sub, create_app, json_response, lambda_handler_for
from chat_core.models import UUID_PATTERN, RegenerateRequest
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


@app.post("/v1/conversations/<id>/regenerate", responses=TURN_RESPONSES)
def regenerate_reply(
    id: Annotated[str, Path(pattern=UUID_PATTERN)], request: RegenerateRequest
) -> Response[str]:
    reply = rewrites().regenerate(caller_sub(app), id, request)
    return json_response(reply.status_code, reply.body)


lambda_handler = lambda_handler_for(app)
