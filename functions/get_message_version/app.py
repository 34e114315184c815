"""GET /v1/conversations/{id}/messages/{seq}/versions/{version}: an earlier version of a
message (a regenerated reply, or an edited message with the reply it had)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from chat_core.http import caller_sub, create_app, lambda_handler_for
from chat_core.models import UUID_PATTERN, MessageVersionView
from chat_core.settings import (
    ConversationLimits,
    DispatchSettings,
    ModelChoice,
    TableSettings,
    TurnBudgets,
    declare_settings,
)
from chat_core.wiring import rewrites

declare_settings(DispatchSettings, ConversationLimits, ModelChoice, TableSettings, TurnBudgets)

app = create_app()


@app.get("/v1/conversations/<id>/messages/<seq>/versions/<version>")
def get_message_version(
    id: Annotated[str, Path(pattern=UUID_PATTERN)],
    seq: Annotated[int, Path(ge=1, le=1_000_000_000)],
    version: Annotated[int, Path(ge=1, le=1_000_000)],
) -> MessageVersionView:
    return rewrites().version(caller_sub(app), id, seq, version)


lambda_handler = lambda_handler_for(app)
