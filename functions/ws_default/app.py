"""WebSocket $default: answers ``{"action": "ping"}`` with ``{"type": "pong"}``.

The connection only carries events from the server; turns start and stop over HTTP
(docs/design.md, "Streamed replies"). A client pings every few minutes to stay under
API Gateway's 10-minute idle timeout. Anything else gets an error event.
"""

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        action = json.loads(event.get("body") or "null").get("action")
    except (ValueError, AttributeError):
        action = None
    if action == "ping":
        return {"statusCode": 200, "body": json.dumps({"type": "pong"})}
    error = {"code": "unknown_action", "message": 'The only action is {"action": "ping"}.'}
    return {"statusCode": 200, "body": json.dumps({"type": "error", "error": error})}
