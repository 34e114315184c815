"""POST /v1/chat: one chat turn (201 when it started a conversation, else 200)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.event_handler.openapi.types import (
    OpenAPIResponseContentModel,
    OpenAPIResponseContentSchema,
)

from chat_core.http import caller_sub, create_app, json_response, lambda_handler_for
from chat_core.models import IDEMPOTENCY_KEY_PATTERN, ChatRequest, ChatResponse
from chat_core.wiring import chat_turn, idempotent_chat

app = create_app()

_TURN: dict[str, OpenAPIResponseContentModel | OpenAPIResponseContentSchema] = {
    "application/json": {"model": ChatResponse}
}


@app.post(
    "/v1/chat",
    responses={
        200: {"description": "The turn of an existing conversation", "content": _TURN},
        201: {"description": "The first turn of a new conversation", "content": _TURN},
    },
)
def post_chat(
    request: ChatRequest,
    idempotency_key: Annotated[
        str | None, Header(alias="idempotency-key", pattern=IDEMPOTENCY_KEY_PATTERN)
    ] = None,
) -> Response[str]:
    sub = caller_sub(app)
    if idempotency_key:
        result = idempotent_chat().run(sub, idempotency_key, request, app.lambda_context)
        return json_response(201 if result.created else 200, result.response)
    outcome = chat_turn().run(sub, request)
    return json_response(201 if outcome.created else 200, outcome.response)


lambda_handler = lambda_handler_for(app)
