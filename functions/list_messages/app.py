"""GET /v1/conversations/{id}/messages: one cursor page of messages."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from chat_core.http import caller_sub, create_app, lambda_handler_for
from chat_core.models import UUID_PATTERN, MessagePage
from chat_core.settings import CursorSettings, TableSettings, declare_settings
from chat_core.wiring import conversation_reader

declare_settings(CursorSettings, TableSettings)

app = create_app()


@app.get("/v1/conversations/<id>/messages")
def list_messages(
    id: Annotated[str, Path(pattern=UUID_PATTERN)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    order: Annotated[Literal["asc", "desc"], Query()] = "asc",
    cursor: Annotated[str | None, Query(min_length=1, max_length=512)] = None,
) -> MessagePage:
    return conversation_reader().page_messages(
        caller_sub(app), id, limit=limit, order=order, cursor=cursor
    )


lambda_handler = lambda_handler_for(app)
