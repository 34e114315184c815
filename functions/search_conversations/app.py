"""GET /v1/search/conversations: the caller's conversations whose title holds ``q``."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from chat_core.http import caller_sub, create_app, lambda_handler_for
from chat_core.models import NOT_BLANK, ConversationPage
from chat_core.settings import ActionLimits, CursorSettings, TableSettings, declare_settings
from chat_core.wiring import conversation_search, spend_action

declare_settings(ActionLimits, CursorSettings, TableSettings)

app = create_app(spend=spend_action)


@app.get("/v1/search/conversations")
def search_conversations(
    q: Annotated[str, Query(min_length=1, max_length=200, pattern=NOT_BLANK)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=512)] = None,
) -> ConversationPage:
    return conversation_search().search(caller_sub(app), q, limit=limit, cursor=cursor)


lambda_handler = lambda_handler_for(app)
