"""The attack set of tokens: every way a caller may try to get past the JWT checks.

Shared by the HTTP API's tests (Authorization header) and the WebSocket API's
($connect, Sec-WebSocket-Protocol), which must refuse exactly the same tokens.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def forge(
    claims: dict[str, Any], header: dict[str, Any], key: rsa.RSAPrivateKey, **changes: Any
) -> str:
    return jwt.encode({**claims, **changes}, key, algorithm="RS256", headers={"kid": header["kid"]})


def attack_tokens(
    genuine: str, expired: str, attacker_key: rsa.RSAPrivateKey
) -> dict[str, str | None]:
    """Name -> token (None: no token at all, "": an empty one)."""
    header = jwt.get_unverified_header(genuine)
    claims = jwt.decode(genuine, options={"verify_signature": False})
    head, _body, signature = genuine.split(".")
    return {
        "no token": None,
        "empty": "",
        "garbage": "not.a.jwt",
        "expired": expired,
        "tampered payload": f"{head}.{b64({**claims, 'sub': 'someone-else'})}.{signature}",
        "foreign key, same kid": forge(claims, header, attacker_key),
        "alg none": b64({"alg": "none", "typ": "JWT", "kid": header["kid"]})
        + "."
        + b64(claims)
        + ".",
        "HS256 with a guessed secret": jwt.encode(
            claims,
            "secret-guess-that-is-long-enough!",
            algorithm="HS256",
            headers={"kid": header["kid"]},
        ),
        "unknown kid": jwt.encode(claims, attacker_key, algorithm="RS256", headers={"kid": "nope"}),
    }
