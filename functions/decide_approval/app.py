"""POST /v1/conversations/{id}/approval: the user approves or rejects each tool call the
last reply waits for, and the turn goes on from where it paused (a new worker).

Answered as POST /v1/chat is: 200 with the reply, or 202 when it streams or takes
longer than the wait (docs/api.md "Approvals").
"""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from chat_core.approval_models import ApprovalRequest
from chat_core.http import caller_sub, create_app, json_response, lambda_handler_for
from chat_core.models import UUID_PATTERN
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


@app.post("/v1/conversations/<id>/approval", responses=TURN_RESPONSES)
def decide_approval(
    id: Annotated[str, Path(pattern=UUID_PATTERN)], request: ApprovalRequest
) -> Response[str]:
    reply = rewrites().decide(caller_sub(app), id, request)
    return json_response(reply.status_code, reply.body)


lambda_handler = lambda_handler_for(app)
