"""The WebSocket handshake's token: carried in ``Sec-WebSocket-Protocol``, never in the URL.

Browsers cannot set headers on a WebSocket, and a token in the query string ends up
in access logs. So the client offers two subprotocols, ``chat.v1`` and
``bearer.<JWT>`` (a JWT's characters are all valid there); the $connect authorizer
reads the token from the second and $connect answers with the first, as the
handshake requires.
"""

from __future__ import annotations

from typing import Any

SUBPROTOCOL = "chat.v1"
TOKEN_PREFIX = "bearer."  # noqa: S105 - a prefix, not a secret


def header(event: dict[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return str(value)
    return None


def token_from_protocols(value: str | None) -> str | None:
    """The JWT of ``chat.v1, bearer.<JWT>``; None without one (then the answer is 401)."""
    offered = [p.strip() for p in (value or "").split(",")]
    if SUBPROTOCOL not in offered:
        return None
    tokens = [p[len(TOKEN_PREFIX) :] for p in offered if p.startswith(TOKEN_PREFIX)]
    return tokens[0] if len(tokens) == 1 and tokens[0] else None


def allow(sub: str, method_arn: str) -> dict[str, Any]:
    """A REQUEST authorizer's Allow; ``sub`` reaches every route as ``authorizer.sub``."""
    return {
        "principalId": sub,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": method_arn}
            ],
        },
        "context": {"sub": sub},
    }


def connection_caller(event: dict[str, Any]) -> tuple[str, str]:
    """(sub, connection id) of a WebSocket route's event, as the authorizer left them."""
    context = event.get("requestContext") or {}
    authorizer = context.get("authorizer") or {}
    sub = authorizer.get("sub") or authorizer.get("principalId")
    connection_id = context.get("connectionId")
    if not isinstance(sub, str) or not sub or not isinstance(connection_id, str):
        raise PermissionError("no verified caller on this connection")
    return sub, connection_id
