"""WebSocket $connect (after the authorizer): remember the connection, accept the subprotocol."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from chat_core.auth.websocket import SUBPROTOCOL, connection_caller
from chat_core.observability import logger
from chat_core.settings import LiveSettings, TableSettings, declare_settings
from chat_core.wiring import live_connections

declare_settings(LiveSettings, TableSettings)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    sub, connection_id = connection_caller(event)
    live_connections().connected(sub, connection_id)
    return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": SUBPROTOCOL}}
