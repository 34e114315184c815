"""POST /v1/chat: stores the user's message and hands the turn to the worker.

201/200 with the reply (a new / an existing conversation); 202 when the reply
streams (``"stream": true``) or takes longer than the wait (docs/api.md).
"""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header

from chat_core.http import caller_sub, create_app, json_response, lambda_handler_for
from chat_core.models import IDEMPOTENCY_KEY_PATTERN, ChatRequest
from chat_core.settings import (
    ConversationLimits,
    DispatchSettings,
    IdempotencySettings,
    ModelChoice,
    TableSettings,
    TurnBudgets,
    declare_settings,
)
from chat_core.snapstart import warm_before_snapshot
from chat_core.turn_responses import CHAT_RESPONSES
from chat_core.wiring import idempotent_chat

declare_settings(
    DispatchSettings,
    ConversationLimits,
    IdempotencySettings,
    ModelChoice,
    TableSettings,
    TurnBudgets,
)

app = create_app()


@app.post("/v1/chat", responses=CHAT_RESPONSES)
def post_chat(
    request: ChatRequest,
    idempotency_key: Annotated[
        str | None, Header(alias="idempotency-key", pattern=IDEMPOTENCY_KEY_PATTERN)
    ] = None,
) -> Response[str]:
    reply = idempotent_chat().submit(
        caller_sub(app), request, idempotency_key or None, app.lambda_context
    )
    return json_response(reply.status_code, reply.body)


lambda_handler = lambda_handler_for(app)
warm_before_snapshot()  # SnapStart (ChatSnapStart): the first request's imports, in the snapshot
