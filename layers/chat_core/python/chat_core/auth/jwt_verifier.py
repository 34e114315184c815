"""The checks API Gateway's JWT authorizer makes, in one place.

Used by the WebSocket API's $connect authorizer (a Lambda, since WebSocket APIs have
no JWT authorizer) so a WebSocket accepts exactly the tokens the HTTP API accepts,
and by the local gateway, which plays the HTTP API's authorizer.

Token from `Authorization` with or without `Bearer `; RS256 only; the key of the
token's `kid` from the issuer's JWKS (found through its discovery document, fetched
over HTTP and cached, refetched on an unknown kid); `iss` equal to the issuer; `aud`
in the audiences or, when there is no `aud`, `client_id` in them; `exp` in the future;
`nbf` and `iat` not in the future (a 5 s allowance for clock skew); route scopes when
configured. Any failure is the same 401 as AWS's.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.algorithms import RSAAlgorithm

CLOCK_SKEW_SECONDS = 5
JWKS_REFRESH_SECONDS = 30


class Unauthorized(Exception):
    """The request gets API Gateway's `401 {"message": "Unauthorized"}`."""


@dataclass(frozen=True)
class AuthorizerConfig:
    issuer: str
    audiences: tuple[str, ...]


class JwksCache:
    """Keys of one issuer by kid; fetched lazily, refreshed at most every 30 s."""

    def __init__(self, issuer: str) -> None:
        self._issuer = issuer.rstrip("/")
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def key(self, kid: str) -> Any:
        with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at > JWKS_REFRESH_SECONDS:
                self._refresh()
            if kid not in self._keys:
                raise Unauthorized(f"unknown kid {kid!r}")
            return self._keys[kid]

    def _refresh(self) -> None:
        """An issuer that cannot be reached or read means no key, so 401, never a 500."""
        self._fetched_at = time.monotonic()
        try:
            discovery = _get_json(f"{self._issuer}/.well-known/openid-configuration")
            jwks = _get_json(str(discovery["jwks_uri"]))
        except (OSError, ValueError, KeyError) as exc:
            raise Unauthorized(f"cannot read the issuer's keys: {exc}") from exc
        self._keys = {
            k["kid"]: RSAAlgorithm.from_jwk(json.dumps(k))
            for k in jwks.get("keys", [])
            if k.get("kty") == "RSA" and "kid" in k
        }


def _get_json(url: str) -> dict[str, Any]:
    if not url.startswith(("http://", "https://")):
        raise Unauthorized("issuer URLs must be http(s)")
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - scheme checked
        value = json.loads(response.read())
    if not isinstance(value, dict):
        raise Unauthorized("malformed discovery document")
    return value


def token_from_header(header: str | None) -> str:
    if not header:
        raise Unauthorized("no Authorization header")
    token = header.strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    if not token:
        raise Unauthorized("empty token")
    return token


def verify(
    authorization: str | None,
    config: AuthorizerConfig,
    keys: JwksCache,
    scopes: tuple[str, ...] = (),
    now: float | None = None,
) -> dict[str, Any]:
    """The verified claims, or Unauthorized."""
    token = token_from_header(authorization)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise Unauthorized("malformed token") from exc
    if header.get("alg") != "RS256":
        raise Unauthorized("only RS256 tokens are accepted")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise Unauthorized("no kid")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            keys.key(kid),
            algorithms=["RS256"],
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
            },
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized("bad signature") from exc
    check_claims(claims, config, scopes, time.time() if now is None else now)
    return claims


def check_claims(
    claims: dict[str, Any], config: AuthorizerConfig, scopes: tuple[str, ...], now: float
) -> None:
    if claims.get("iss") != config.issuer:
        raise Unauthorized("wrong issuer")
    audience = claims.get("aud")
    if audience is None:
        if claims.get("client_id") not in config.audiences:
            raise Unauthorized("wrong client_id")
    else:
        audiences = audience if isinstance(audience, list) else [audience]
        if not set(audiences) & set(config.audiences):
            raise Unauthorized("wrong audience")
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or exp <= now:
        raise Unauthorized("expired")
    for name in ("nbf", "iat"):
        value = claims.get(name)
        if value is not None and (
            not isinstance(value, (int, float)) or value > now + CLOCK_SKEW_SECONDS
        ):
            raise Unauthorized(f"{name} in the future")
    if scopes:
        granted = set(str(claims.get("scope", "")).split()) | set(claims.get("scp", []) or [])
        if not granted & set(scopes):
            raise Unauthorized("missing scope")
