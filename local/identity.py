"""The development identity provider: RS256 tokens, discovery document and JWKS.

Tokens look like a Cognito/OIDC access token (iss, aud, sub, iat, exp, kid), signed
with a key kept in the data directory so tokens survive a restart of `make dev`.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

DEFAULT_EXPIRES_IN = 3600
MAX_EXPIRES_IN = 86_400


class IdentityProvider:
    def __init__(self, issuer: str, audience: str, key_file: Path | None) -> None:
        self.issuer = issuer
        self.audience = audience
        self._key = _load_or_create_key(key_file)
        public_pem = self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = uuid.uuid5(uuid.NAMESPACE_URL, public_pem.decode()).hex[:16]

    def issue(self, sub: str, expires_in: int = DEFAULT_EXPIRES_IN) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": sub,
            "iat": now,
            "exp": now + expires_in,
            "jti": str(uuid.uuid4()),
            "token_use": "access",
            "scope": "openid",
        }
        token = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})
        return {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": f"{self.issuer}/.well-known/jwks.json",
            "token_endpoint": f"{self.issuer}/token",
            "response_types_supported": ["token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }


MAX_SUB_CHARS = 4096


def parse_token_request(body: Any) -> tuple[str, int]:
    """(sub, expires_in) from a /local/token body; ValueError says what is wrong."""
    if not isinstance(body, dict):
        raise ValueError('the body must be a JSON object like {"sub": "alice"}')
    sub = body.get("sub")
    # Longer than the API serves (chat_core/auth/subject.py) on purpose: an external
    # issuer can mint any sub, and tests must be able to as well.
    if not isinstance(sub, str) or not sub.strip() or len(sub) > MAX_SUB_CHARS:
        raise ValueError(f"sub must be a non-empty string of at most {MAX_SUB_CHARS} characters")
    expires_in = body.get("expires_in", DEFAULT_EXPIRES_IN)
    if not isinstance(expires_in, int) or isinstance(expires_in, bool):
        raise ValueError("expires_in must be a whole number of seconds")
    # Negative values are allowed on purpose: tests use them to get expired tokens.
    return sub, max(-MAX_EXPIRES_IN, min(MAX_EXPIRES_IN, expires_in))


def _load_or_create_key(key_file: Path | None) -> rsa.RSAPrivateKey:
    if key_file is not None and key_file.exists():
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        if isinstance(key, rsa.RSAPrivateKey):
            return key
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if key_file is not None:
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_file.chmod(0o600)
    return key
