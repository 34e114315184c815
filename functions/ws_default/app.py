"""WebSocket $default: answers ``{"action": "ping"}`` with ``{"type": "pong"}``.

The connection only carries events from the server; turns start and stop over HTTP
(docs/design.md, "Streamed replies"). A client pings every few minutes to stay under
API Gateway's 10-minute idle timeout. Anything else gets an error event; a message
nested deeper than MAX_NESTING is refused before it is parsed.
"""

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from chat_core.json_depth import nests_deeper_than

MAX_NESTING = 32
_UNKNOWN = {"code": "unknown_action", "message": 'The only action is {"action": "ping"}.'}
_TOO_DEEP = {
    "code": "invalid_message",
    "message": f"The message nests deeper than {MAX_NESTING} levels; it was not read.",
}


def _answer(payload: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": 200, "body": json.dumps(payload)}


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    body = event.get("body") or "null"
    if nests_deeper_than(body, MAX_NESTING):
        return _answer({"type": "error", "error": _TOO_DEEP})
    try:
        action = json.loads(body).get("action")
    except (ValueError, AttributeError):
        action = None
    if action == "ping":
        return _answer({"type": "pong"})
    return _answer({"type": "error", "error": _UNKNOWN})
