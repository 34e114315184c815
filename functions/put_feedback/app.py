"""PUT /v1/conversations/{id}/messages/{seq}/feedback: rate a reply (up or down, a comment)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from chat_core.http import caller_sub, create_app, lambda_handler_for
from chat_core.models import UUID_PATTERN, FeedbackRequest, Message
from chat_core.settings import ActionLimits, ConversationLimits, TableSettings, declare_settings
from chat_core.wiring import feedback_service, spend_action

declare_settings(ActionLimits, ConversationLimits, TableSettings)

app = create_app(spend=spend_action)


@app.put("/v1/conversations/<id>/messages/<seq>/feedback")
def put_feedback(
    id: Annotated[str, Path(pattern=UUID_PATTERN)],
    seq: Annotated[int, Path(ge=1, le=1_000_000_000)],
    request: FeedbackRequest,
) -> Message:
    return feedback_service().rate(caller_sub(app), id, seq, request)


lambda_handler = lambda_handler_for(app)
