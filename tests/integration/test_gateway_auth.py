"""The local gateway makes the API Gateway JWT authorizer's checks (user story 3)."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.api_client import ApiClient

UNAUTHORIZED = {"message": "Unauthorized"}


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def genuine(stack: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    token = stack.token("auth-tester")
    return (
        token,
        jwt.get_unverified_header(token),
        jwt.decode(token, options={"verify_signature": False}),
    )


@pytest.fixture(scope="module")
def attacker_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def forge(
    claims: dict[str, Any], header: dict[str, Any], key: rsa.RSAPrivateKey, **changes: Any
) -> str:
    return jwt.encode({**claims, **changes}, key, algorithm="RS256", headers={"kid": header["kid"]})


def call(stack: Any, authorization: str | None) -> Any:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return ApiClient(stack.base_url).get("/v1/agents", headers=headers)


def test_a_valid_token_reaches_the_function_with_or_without_bearer(
    stack: Any, genuine: tuple[str, dict, dict]
) -> None:  # type: ignore[type-arg]
    token = genuine[0]
    assert call(stack, f"Bearer {token}").status == 200
    assert call(stack, token).status == 200


def test_the_attack_set_is_refused_by_the_gateway(
    stack: Any, genuine: tuple[str, dict, dict], attacker_key: rsa.RSAPrivateKey
) -> None:  # type: ignore[type-arg]
    token, header, claims = genuine
    head, _body, signature = token.split(".")
    tampered_body = _b64({**claims, "sub": "someone-else"})
    attacks = {
        "no header": None,
        "empty": "Bearer ",
        "garbage": "Bearer not.a.jwt",
        "expired": f"Bearer {stack.token('auth-tester', expires_in=-5)}",
        "tampered payload": f"Bearer {head}.{tampered_body}.{signature}",
        "foreign key, same kid": f"Bearer {forge(claims, header, attacker_key)}",
        "alg none": "Bearer "
        + _b64({"alg": "none", "typ": "JWT", "kid": header["kid"]})
        + "."
        + _b64(claims)
        + ".",
        "HS256 with a guessed secret": "Bearer "
        + jwt.encode(
            claims,
            "secret-guess-that-is-long-enough!",
            algorithm="HS256",
            headers={"kid": header["kid"]},
        ),
        "unknown kid": "Bearer "
        + jwt.encode(claims, attacker_key, algorithm="RS256", headers={"kid": "nope"}),
    }
    for name, authorization in attacks.items():
        response = call(stack, authorization)
        assert (response.status, response.body) == (401, UNAUTHORIZED), name

    # iss, aud/client_id, nbf, iat and scopes: tests/unit/local/test_jwt_check.py


def test_health_is_public(stack: Any) -> None:
    assert call(stack, None).status == 401
    assert ApiClient(stack.base_url).get("/v1/health").status == 200


def test_unknown_routes_get_the_gateways_404(stack: Any, genuine: tuple[str, dict, dict]) -> None:  # type: ignore[type-arg]
    response = ApiClient(stack.base_url, genuine[0]).get("/v1/nope")
    assert (response.status, response.body) == (404, {"message": "Not Found"})
