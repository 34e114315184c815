"""The local gateway makes the API Gateway JWT authorizer's checks (user story 3)."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.api_client import ApiClient
from tests.support.forged_tokens import attack_tokens

UNAUTHORIZED = {"message": "Unauthorized"}


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


def call(stack: Any, authorization: str | None) -> Any:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return ApiClient(stack.base_url).get("/v1/agents", headers=headers)


def test_a_valid_token_reaches_the_function_with_or_without_bearer(
    stack: Any, genuine: tuple[str, dict[str, Any], dict[str, Any]]
) -> None:
    token = genuine[0]
    assert call(stack, f"Bearer {token}").status == 200
    assert call(stack, token).status == 200


def test_the_attack_set_is_refused_by_the_gateway(
    stack: Any, genuine: tuple[str, dict[str, Any], dict[str, Any]], attacker_key: rsa.RSAPrivateKey
) -> None:
    expired = stack.token("auth-tester", expires_in=-5)
    for name, token in attack_tokens(genuine[0], expired, attacker_key).items():
        response = call(stack, None if token is None else f"Bearer {token}")
        assert (response.status, response.body) == (401, UNAUTHORIZED), name

    # iss, aud/client_id, nbf, iat and scopes: tests/unit/local/test_jwt_check.py


def test_health_is_public(stack: Any) -> None:
    assert call(stack, None).status == 401
    assert ApiClient(stack.base_url).get("/v1/health").status == 200


def test_unknown_routes_get_the_gateways_404(stack: Any, genuine: tuple[str, dict, dict]) -> None:  # type: ignore[type-arg]
    response = ApiClient(stack.base_url, genuine[0]).get("/v1/nope")
    assert (response.status, response.body) == (404, {"message": "Not Found"})
