"""GET /v1/conversations/{id}/export: one part of the conversation as Markdown or JSON."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from chat_core.http import caller_sub, create_app, lambda_handler_for
from chat_core.models import UUID_PATTERN, ExportPage
from chat_core.settings import ActionLimits, CursorSettings, TableSettings, declare_settings
from chat_core.wiring import conversation_reader, spend_action

declare_settings(ActionLimits, CursorSettings, TableSettings)

app = create_app(spend=spend_action)


@app.get("/v1/conversations/<id>/export")
def export_conversation(
    id: Annotated[str, Path(pattern=UUID_PATTERN)],
    format: Annotated[Literal["markdown", "json"], Query()] = "markdown",
    cursor: Annotated[str | None, Query(min_length=1, max_length=512)] = None,
    include_reasoning: Annotated[bool, Query()] = False,
) -> ExportPage:
    return conversation_reader().export_part(
        caller_sub(app), id, format, cursor, include_reasoning=include_reasoning
    )


lambda_handler = lambda_handler_for(app)
