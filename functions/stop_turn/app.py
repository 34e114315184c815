"""POST /v1/conversations/{id}/stop: stop the reply being generated (it is kept as stopped)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from chat_core.http import caller_sub, create_app, json_response, lambda_handler_for
from chat_core.models import UUID_PATTERN, StopAccepted
from chat_core.settings import TableSettings, declare_settings
from chat_core.wiring import stop_turn

declare_settings(TableSettings)

app = create_app()


@app.post(
    "/v1/conversations/<id>/stop",
    responses={
        202: {
            "description": "The running turn will stop within LIVE_POLL_SECONDS; its "
            "text so far is stored as a stopped reply (turn.completed on the WebSocket)",
            "content": {"application/json": {"model": StopAccepted}},
        }
    },
)
def post_stop(id: Annotated[str, Path(pattern=UUID_PATTERN)]) -> Response[str]:
    return json_response(202, stop_turn().request(caller_sub(app), id))


lambda_handler = lambda_handler_for(app)
