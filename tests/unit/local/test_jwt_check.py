"""Each check of the API Gateway JWT authorizer, as the local gateway makes it."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from local.jwt_check import AuthorizerConfig, JwksCache, Unauthorized, claims_for_event, verify

ISSUER = "http://127.0.0.1:9/local"  # nothing listens on the discard port
CONFIG = AuthorizerConfig(issuer=ISSUER, audiences=("chat-local", "other-client"))
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class StaticKeys(JwksCache):
    """The issuer's JWKS without HTTP: one key, k1."""

    def __init__(self) -> None:
        super().__init__(ISSUER)

    def key(self, kid: str) -> Any:
        if kid != "k1":
            raise Unauthorized(f"no key {kid!r}")
        return KEY.public_key()


def token(key: Any = KEY, kid: str = "k1", **changes: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": "chat-local",
        "sub": "alice",
        "iat": now,
        "exp": now + 60,
        **changes,
    }
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def check(raw: str, scopes: tuple[str, ...] = ()) -> dict[str, Any]:
    return verify(f"Bearer {raw}", CONFIG, StaticKeys(), scopes)


def test_a_valid_token_gives_its_claims() -> None:
    assert check(token())["sub"] == "alice"
    assert verify(token(), CONFIG, StaticKeys())["sub"] == "alice"  # without "Bearer "


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        # Times relative to when the test runs (NOW + n), not to when it was collected:
        # a long session would otherwise let "120 s from now" pass before the check.
        ({"exp": ("NOW", -1)}, "expired"),
        ({"nbf": ("NOW", 120)}, "not yet valid"),
        ({"iat": ("NOW", 120)}, "issued in the future"),
        ({"iss": "http://evil/local"}, "another issuer"),
        ({"aud": "someone-else"}, "another audience"),
        ({"aud": None, "client_id": "intruder"}, "no aud, wrong client_id"),
        ({"aud": None}, "no aud and no client_id"),
        ({"exp": None}, "no exp"),
        ({"iss": None}, "no iss"),
        ({"exp": ("NOW", 0)}, "expires now"),
        ({"nbf": ("NOW", 2)}, "valid in 2 s (no leeway, as API Gateway documents)"),
        ({"iat": "yesterday"}, "iat not a number"),
    ],
)
def test_claim_checks_refuse(changes: dict[str, Any], reason: str) -> None:
    now = int(time.time())
    resolved = {
        k: now + v[1] if isinstance(v, tuple) and v[0] == "NOW" else v for k, v in changes.items()
    }
    with pytest.raises(Unauthorized):
        check(token(**resolved))


def test_audience_rules_like_cognito() -> None:
    assert check(token(aud=None, client_id="chat-local"))["client_id"] == "chat-local"
    assert check(token(aud=["x", "other-client"]))["sub"] == "alice"


def test_signature_and_algorithm_checks_refuse() -> None:
    genuine = token()
    head, body, _ = genuine.split(".")
    forged_body = token(sub="mallory").split(".")[1]
    attacks = [
        token(key=OTHER_KEY),  # another key with the trusted kid
        f"{head}.{forged_body}.{genuine.split('.')[2]}",
        jwt.encode(
            {"sub": "alice", "iss": ISSUER, "aud": "chat-local", "exp": int(time.time()) + 60},
            "k" * 32,
            algorithm="HS256",
            headers={"kid": "k1"},
        ),
        f"{head}.{body}.",
        "not-a-token",
    ]
    for raw in attacks:
        with pytest.raises(Unauthorized):
            check(raw)
    with pytest.raises(Unauthorized):
        verify(None, CONFIG, StaticKeys())
    with pytest.raises(Unauthorized):
        verify("Bearer   ", CONFIG, StaticKeys())


def test_unknown_kid_is_refused_without_a_reachable_issuer() -> None:
    keys = JwksCache(ISSUER)  # its discovery document cannot be fetched: 401, not a 500
    with pytest.raises(Unauthorized):
        verify(f"Bearer {token(kid='k2')}", CONFIG, keys)
    with pytest.raises(Unauthorized):  # and it is not asked again at once
        keys.key("k1")


def test_route_scopes() -> None:
    assert check(token(scope="openid chat.write"), scopes=("chat.write",))["sub"] == "alice"
    with pytest.raises(Unauthorized):
        check(token(scope="openid"), scopes=("chat.write",))


def test_claims_reach_the_function_as_strings_like_api_gateway() -> None:
    assert claims_for_event(
        {"exp": 1700000000, "aud": ["a", "b"], "sub": "x", "email_verified": True}
    ) == {
        "exp": "1700000000",
        "aud": "[a b]",
        "sub": "x",
        "email_verified": "true",
    }
