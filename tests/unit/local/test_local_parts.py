"""The local stack's pieces: template reader, event building, dev IdP, stub model."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import pytest

from chat_core.json_depth import nests_deeper_than
from local import stub_model
from local.__main__ import local_environment
from local.identity import IdentityProvider, parse_token_request
from local.lambda_runtime import HttpRequest, build_event, to_http
from local.template import load_template, local_table_name
from local.websocket import select_route


def test_template_routes_and_tables() -> None:
    template = load_template()
    keys = {r.route_key for r in template.routes}
    assert {"GET /v1/health", "POST /v1/chat", "GET /v1/conversations/{id}/messages"} <= keys
    health = next(r for r in template.routes if r.route_key == "GET /v1/health")
    assert not health.authorized
    assert all(r.authorized for r in template.routes if r is not health)
    chat = next(r for r in template.routes if r.route_key == "POST /v1/chat")
    assert chat.timeout == 29 and chat.code_dir.name == "chat"
    messages = next(r for r in template.routes if r.path.endswith("/messages"))
    assert messages.matches("GET", "/v1/conversations/abc/messages") == {"id": "abc"}
    assert messages.matches("GET", "/v1/conversations/abc") is None
    assert messages.matches("POST", "/v1/conversations/abc/messages") is None
    assert set(template.tables()) == {"ChatTable", "IdempotencyTable"}
    assert template.ttl_attribute("ChatTable") == "ttl"
    assert local_table_name("ChatTable") == "chat-local"


def test_environment_comes_from_the_template_and_the_caller_wins() -> None:
    template = load_template()
    env = local_environment(
        {"MAX_ACTIVE_CONVERSATIONS": "2"},
        template.environment({"ChatTable": "chat-local", "IdempotencyTable": "idem-local"}),
        3000,
        "http://127.0.0.1:8000",
    )
    assert env["TABLE_NAME"] == "chat-local" and env["IDEMPOTENCY_TABLE_NAME"] == "idem-local"
    assert env["MAX_ACTIVE_CONVERSATIONS"] == "2"
    assert env["AWS_ENDPOINT_URL_DYNAMODB"] == "http://127.0.0.1:8000"
    assert env["OPENAI_BASE_URL"] == "http://127.0.0.1:3000/local/openai/v1"
    assert "OPENAI_SECRET_ID" not in env and "CURSOR_SIGNING_KEY" not in env
    developer = local_environment(
        {"AWS_ACCESS_KEY_ID": "AKIAREAL", "AWS_PROFILE": "prod"}, {}, 3000, "http://d"
    )
    assert developer["AWS_ACCESS_KEY_ID"] == "local" and "AWS_PROFILE" not in developer
    real = local_environment({"OPENAI_API_KEY": "sk-x"}, {}, 3000, "http://d")
    assert real["OPENAI_API_KEY"] == "sk-x" and "OPENAI_BASE_URL" not in real
    compatible = local_environment(
        {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}, {}, 3000, "http://d"
    )
    assert compatible["OPENAI_BASE_URL"] == "http://127.0.0.1:9/v1" and compatible["OPENAI_API_KEY"]


def test_payload_v2_event_like_api_gateway() -> None:
    route = next(r for r in load_template().routes if r.path.endswith("/messages"))
    request = HttpRequest(
        "GET",
        "/v1/conversations/c1/messages",
        "limit=2&order=desc&limit=3",
        [("Host", "127.0.0.1"), ("X-A", "1"), ("x-a", "2"), ("Cookie", "a=1; b=2")],
        b"",
        "127.0.0.1",
    )
    event = build_event(request, route.route_key, {"id": "c1"}, {"sub": "alice"}, None, "rid")
    assert event["version"] == "2.0" and event["routeKey"] == "GET /v1/conversations/{id}/messages"
    assert event["queryStringParameters"] == {"limit": "2,3", "order": "desc"}
    assert event["headers"]["x-a"] == "1,2" and event["cookies"] == ["a=1", "b=2"]
    assert event["pathParameters"] == {"id": "c1"}
    assert event["requestContext"]["authorizer"]["jwt"]["claims"] == {"sub": "alice"}
    binary = build_event(
        HttpRequest("POST", "/x", "", [], b"\xff\xfe", "1.1.1.1"),
        route.route_key,
        {},
        None,
        None,
        "r",
    )
    assert binary["isBase64Encoded"] and base64.b64decode(binary["body"]) == b"\xff\xfe"


def test_handler_results_become_http_like_api_gateway() -> None:
    response = to_http({"statusCode": 201, "headers": {"Retry-After": "3"}, "body": "{}"})
    assert (response.status, response.headers["Retry-After"], response.body) == (201, "3", b"{}")
    assert to_http({"plain": True}).body == b'{"plain": true}'


def test_dev_identity_provider_tokens() -> None:
    idp = IdentityProvider("http://127.0.0.1:3000/local", "chat-local", None)
    issued = idp.issue("alice", 60)
    header = jwt.get_unverified_header(issued["access_token"])
    key = jwt.PyJWK(idp.jwks()["keys"][0]).key
    claims = jwt.decode(issued["access_token"], key, algorithms=["RS256"], audience="chat-local")
    assert header["kid"] == idp.kid and header["alg"] == "RS256"
    assert (claims["sub"], claims["iss"], claims["exp"] - claims["iat"]) == (
        "alice",
        "http://127.0.0.1:3000/local",
        60,
    )
    assert idp.discovery()["jwks_uri"].endswith("/.well-known/jwks.json")
    bad: Any
    for bad in (None, [], {}, {"sub": ""}, {"sub": 3}, {"sub": "a", "expires_in": "soon"}):
        with pytest.raises(ValueError):
            parse_token_request(bad)
    assert parse_token_request({"sub": "a", "expires_in": 10**9}) == ("a", 86_400)


def test_stub_model_quotes_the_latest_and_previous_user_message() -> None:
    status, reply = stub_model.complete(
        {
            "model": "m",
            "messages": [
                {"role": "system", "content": "sys"},
                {"role": "user", "content": "first"},
                {"role": "assistant", "content": "ok"},
                {"role": "user", "content": "second"},
            ],
        }
    )
    assert status == 200
    assert isinstance(reply, dict)
    body: dict[str, Any] = reply
    assert (
        body["choices"][0]["message"]["content"]
        == 'You said: "second". Before that you said: "first".'
    )
    assert (
        body["usage"]["total_tokens"]
        == body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"]
    )
    alone = stub_model.complete({"messages": [{"role": "user", "content": "hi"}]})[1]
    assert isinstance(alone, dict)
    assert "no earlier message" in alone["choices"][0]["message"]["content"]
    assert (
        stub_model.complete({"messages": [{"role": "user", "content": "x [stub:status=503]"}]})[0]
        == 503
    )
    assert stub_model.complete({"nope": 1})[0] == 400
    json.dumps(body)  # serialisable


def test_a_message_never_reaches_connect_or_disconnect_whatever_its_action() -> None:
    routes = {"$connect": "c", "$disconnect": "d", "$default": "x", "ping": "p"}
    assert select_route(routes, '{"action": "ping"}') == "ping"
    assert select_route(routes, '{"action": "$disconnect"}') == "$default"
    assert select_route(routes, '{"action": "$connect"}') == "$default"
    assert select_route(routes, "[" * 50_000) == "$default"  # past the parser's depth


def test_nesting_is_measured_outside_strings_without_parsing() -> None:
    assert not nests_deeper_than('{"a": [[1]]}', 3)
    assert nests_deeper_than('{"a": [[[1]]]}', 3)
    assert not nests_deeper_than('{"a": "[[[[[[\\"[[["}', 1)  # brackets inside a string
    assert nests_deeper_than("[" * 100_000, 32)
