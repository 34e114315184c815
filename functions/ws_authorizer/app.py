"""The WebSocket API's $connect authorizer: the HTTP API's JWT checks, same issuer and audience.

The token comes in ``Sec-WebSocket-Protocol`` (chat_core/auth/websocket.py). Raising
``Exception("Unauthorized")`` is how a Lambda authorizer makes API Gateway answer 401.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from chat_core.auth.jwt_verifier import Unauthorized
from chat_core.auth.subject import usable_subject
from chat_core.auth.websocket import allow, header, token_from_protocols
from chat_core.observability import logger
from chat_core.settings import AuthSettings, declare_settings
from chat_core.wiring import jwt_verifier

declare_settings(AuthSettings)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    token = token_from_protocols(header(event, "sec-websocket-protocol"))
    try:
        if token is None:
            raise Unauthorized("no token offered")
        claims = jwt_verifier()(token)
    except Unauthorized as reason:
        logger.info("websocket connection refused", extra={"reason": str(reason)})
        raise Exception("Unauthorized") from None
    sub = claims.get("sub")
    if not isinstance(sub, str) or not usable_subject(sub):
        raise Exception("Unauthorized")
    return allow(sub, str(event.get("methodArn", "")))
