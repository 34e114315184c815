"""The documented answers of every route that starts a turn (POST /v1/chat, regenerate,
edit and resend), so their OpenAPI descriptions cannot drift apart."""

from aws_lambda_powertools.event_handler.openapi.types import (
    OpenAPIResponse,
    OpenAPIResponseContentModel,
    OpenAPIResponseContentSchema,
)

from chat_core.models import ChatResponse, TurnAccepted

Content = dict[str, OpenAPIResponseContentModel | OpenAPIResponseContentSchema]
_TURN: Content = {"application/json": {"model": ChatResponse}}
_ACCEPTED: Content = {"application/json": {"model": TurnAccepted}}

_STREAMING: OpenAPIResponse = {
    "description": "The message is stored and the reply is being generated: it "
    "streams to the caller's WebSocket connections, then is stored",
    "content": _ACCEPTED,
}

# A rewrite's turn is always in an existing conversation.
TURN_RESPONSES: dict[int, OpenAPIResponse] = {
    200: {"description": "The reply, stored", "content": _TURN},
    202: _STREAMING,
}

CHAT_RESPONSES: dict[int, OpenAPIResponse] = {
    200: {"description": "The turn of an existing conversation", "content": _TURN},
    201: {"description": "The first turn of a new conversation", "content": _TURN},
    202: _STREAMING,
}
