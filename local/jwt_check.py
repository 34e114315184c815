"""The HTTP API's JWT authorizer for the local gateway: the layer's checks, AWS's shapes."""

from __future__ import annotations

from typing import Any

from chat_core.auth.jwt_verifier import (
    AuthorizerConfig,
    JwksCache,
    Unauthorized,
    token_from_header,
    verify,
)

__all__ = [
    "AuthorizerConfig",
    "JwksCache",
    "Unauthorized",
    "claims_for_event",
    "token_from_header",
    "verify",
]


def claims_for_event(claims: dict[str, Any]) -> dict[str, str]:
    """Claims as API Gateway passes them to the function: every value a string."""
    out = {}
    for name, value in claims.items():
        if isinstance(value, list):
            out[name] = "[" + " ".join(str(v) for v in value) + "]"
        elif isinstance(value, bool):
            out[name] = str(value).lower()
        else:
            out[name] = str(value)
    return out
