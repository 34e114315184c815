"""The checks API Gateway's JWT authorizer makes, in one place, with PyJWT's own checks.

Used by the WebSocket API's $connect authorizer (a Lambda, since WebSocket APIs have
no JWT authorizer) so a WebSocket accepts exactly the tokens the HTTP API accepts,
and by the local gateway, which plays the HTTP API's authorizer.

Token from `Authorization` with or without `Bearer `; RS256 only; the key of the
token's `kid` from the issuer's JWKS (found through its discovery document; PyJWT's
PyJWKClient fetches, caches and refetches it on an unknown kid at most every 30 s);
`iss` equal to the issuer; `aud` in the audiences or, when there is no `aud` (Cognito's
access tokens), `client_id` in them; `exp` required and in the future, `nbf` and `iat`
not in the future, with no leeway (API Gateway documents none); route scopes when
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

JWKS_REFRESH_SECONDS = 30
JWKS_LIFESPAN_SECONDS = 300


class Unauthorized(Exception):
    """The request gets API Gateway's `401 {"message": "Unauthorized"}`."""


@dataclass(frozen=True)
class AuthorizerConfig:
    issuer: str
    audiences: tuple[str, ...]


class JwksCache:
    """Keys of one issuer by kid: the discovery document is read once, then PyJWKClient
    keeps the JWKS (5 min) and refetches on an unknown kid at most every 30 s."""

    def __init__(self, issuer: str) -> None:
        self._issuer = issuer.rstrip("/")
        self._client: jwt.PyJWKClient | None = None
        self._discovered_at = -JWKS_REFRESH_SECONDS * 1.0
        self._lock = threading.Lock()

    def key(self, kid: str) -> Any:
        """An issuer that cannot be reached or read means no key, so 401, never a 500."""
        try:
            return self._jwks().get_signing_key(kid).key
        except (jwt.PyJWKClientError, jwt.PyJWKError) as exc:
            raise Unauthorized(f"no key {kid!r}: {exc}") from exc

    def _jwks(self) -> jwt.PyJWKClient:
        with self._lock:
            if self._client is not None:
                return self._client
            if time.monotonic() - self._discovered_at < JWKS_REFRESH_SECONDS:
                raise Unauthorized("the issuer's discovery document was unreadable just now")
            self._discovered_at = time.monotonic()
            try:
                discovery = _get_json(f"{self._issuer}/.well-known/openid-configuration")
                self._client = jwt.PyJWKClient(
                    str(discovery["jwks_uri"]),
                    lifespan=JWKS_LIFESPAN_SECONDS,
                    cooldown_duration=JWKS_REFRESH_SECONDS,
                    timeout=5,
                )
            except (OSError, ValueError, KeyError, jwt.PyJWKClientError) as exc:
                raise Unauthorized(f"cannot read the issuer's discovery document: {exc}") from exc
            return self._client


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
    key = keys.key(kid)
    try:
        try:
            claims = _decode(token, key, config, audience=list(config.audiences))
        except jwt.MissingRequiredClaimError as missing:
            if missing.claim != "aud":
                raise
            # No aud: a Cognito access token names its app client in client_id instead.
            claims = _decode(token, key, config, audience=None)
            if claims.get("client_id") not in config.audiences:
                raise Unauthorized("wrong client_id") from missing
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"refused: {exc}") from exc
    if scopes and not _granted(claims) & set(scopes):
        raise Unauthorized("missing scope")
    return claims


def _decode(
    token: str, key: Any, config: AuthorizerConfig, audience: list[str] | None
) -> dict[str, Any]:
    """PyJWT's checks: signature (RS256), iss, aud when asked, exp required and future,
    nbf and iat not in the future; no leeway."""
    claims: dict[str, Any] = jwt.decode(
        token,
        key,
        algorithms=["RS256"],
        issuer=config.issuer,
        audience=audience,
        leeway=0,
        options={"require": ["exp", "iss"]},
    )
    return claims


def _granted(claims: dict[str, Any]) -> set[str]:
    return set(str(claims.get("scope", "")).split()) | set(claims.get("scp", []) or [])
