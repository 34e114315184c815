"""POST /v1/chat: one chat turn (201 when it started a conversation, else 200)."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.types import (
    OpenAPIResponseContentModel,
    OpenAPIResponseContentSchema,
)

from chat_core.http import caller_sub, create_app, json_response, lambda_handler_for
from chat_core.models import ChatRequest, ChatResponse
from chat_core.wiring import chat_turn

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
def post_chat(request: ChatRequest) -> Response[str]:
    outcome = chat_turn().run(caller_sub(app), request)
    return json_response(201 if outcome.created else 200, outcome.response)


lambda_handler = lambda_handler_for(app)
