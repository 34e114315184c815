"""GET /v1/conversations/{id}: one conversation with its latest messages."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from chat_core.http import caller_sub, create_app, lambda_handler_for
from chat_core.models import UUID_PATTERN, ConversationWithMessages
from chat_core.settings import TableSettings, declare_settings
from chat_core.wiring import conversation_reader

declare_settings(TableSettings)

app = create_app()


@app.get("/v1/conversations/<id>")
def get_conversation(
    id: Annotated[str, Path(pattern=UUID_PATTERN)],
    messages: Annotated[int, Query(ge=0, le=100)] = 50,
) -> ConversationWithMessages:
    return conversation_reader().get_with_messages(caller_sub(app), id, messages)


lambda_handler = lambda_handler_for(app)
