"""Handlers end to end in process: contract status codes and error bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from chat_core import wiring
from tests.support.events import LambdaContext, http_event, load_handler
from tests.unit.conftest import IDEMPOTENCY_TABLE, TABLE


@pytest.fixture
def handlers(dynamodb: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, ModuleType]]:
    monkeypatch.setenv("TABLE_NAME", TABLE)
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", IDEMPOTENCY_TABLE)
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens: model down
    monkeypatch.setenv("MODEL_MAX_RETRIES", "0")
    wiring.reset()
    yield {
        name: load_handler(name)
        for name in ("health", "agents", "chat", "get_conversation", "list_messages", "stats")
    }
    wiring.reset()


def call(module: ModuleType, event: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
    response = module.lambda_handler(event, LambdaContext())
    body = json.loads(response["body"]) if response.get("body") else None
    return response["statusCode"], response.get("headers", {}), body


def assert_error(body: Any, code: str) -> None:
    assert set(body["error"]) >= {"code", "message", "request_id"}
    assert body["error"]["code"] == code
    assert body["error"]["request_id"] == "req-123"
    assert body["error"]["message"].strip()


def test_health_needs_no_identity(handlers: dict[str, ModuleType]) -> None:
    assert call(handlers["health"], http_event("GET", "/v1/health", sub=None))[::2] == (
        200,
        {"status": "ok"},
    )


def test_agents_lists_one_default(handlers: dict[str, ModuleType]) -> None:
    status, _, body = call(handlers["agents"], http_event("GET", "/v1/agents"))
    assert status == 200
    assert [a["name"] for a in body["items"] if a["default"]] == ["general"]
    tools = {a["name"]: [t["name"] for t in a["tools"]] for a in body["items"]}
    assert tools["assistant"] == [
        "current_time",
        "calculator",
        "search_conversations",
        "read_conversation",
    ]
    assert tools["general"] == []


def test_an_event_without_a_caller_is_refused(handlers: dict[str, ModuleType]) -> None:
    status, _, body = call(handlers["agents"], http_event("GET", "/v1/agents", sub=None))
    assert status == 401
    assert_error(body, "unauthorized")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{not json", 400, "invalid_request"),
        ("[]", 400, "invalid_request"),
        ({}, 400, "invalid_request"),
        ({"message": ""}, 400, "invalid_request"),
        ({"message": " \n\t "}, 400, "invalid_request"),
        ({"message": "hi", "surprise": 1}, 400, "invalid_request"),
        ({"message": "hi", "conversation_id": "not-a-uuid"}, 400, "invalid_request"),
        (
            {"message": "hi", "conversation_id": "6F9619FF-8B86-4D11-B42D-00C04FC964FF"},
            400,
            "invalid_request",
        ),
        ({"message": 5}, 400, "invalid_request"),
        ({"message": "hi", "agent_type": "pirate"}, 400, "unknown_agent_type"),
        ({"message": "x" * 16_001}, 413, "message_too_long"),
        ({"message": "x" * 1_000_001}, 413, "message_too_long"),
        (
            {"message": "hi", "conversation_id": "00000000-0000-4000-8000-000000000000"},
            404,
            "not_found",
        ),
    ],
)
def test_bad_chat_requests_get_the_contract_error(
    handlers: dict[str, ModuleType], body: Any, status: int, code: str
) -> None:
    got_status, _, got_body = call(handlers["chat"], http_event("POST", "/v1/chat", body=body))
    assert got_status == status
    assert_error(got_body, code)


def test_model_down_is_503_with_retry_after_and_the_message_kept(
    handlers: dict[str, ModuleType],
) -> None:
    status, headers, body = call(
        handlers["chat"], http_event("POST", "/v1/chat", body={"message": "anyone?"})
    )
    assert status == 503
    assert_error(body, "agent_unavailable")
    assert int(headers["Retry-After"]) > 0
    conversation_id = body["conversation_id"]
    status, _, stored = call(
        handlers["get_conversation"],
        http_event(
            "GET",
            "/v1/conversations/{id}",
            path=f"/v1/conversations/{conversation_id}",
            path_parameters={"id": conversation_id},
        ),
    )
    assert status == 200
    assert [(m["content"], m["status"]) for m in stored["messages"]] == [("anyone?", "failed")]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"limit": "0"}, "invalid_request"),
        ({"limit": "101"}, "invalid_request"),
        ({"order": "sideways"}, "invalid_request"),
        ({"cursor": "garbage"}, "invalid_cursor"),
    ],
)
def test_bad_paging_parameters(
    handlers: dict[str, ModuleType], query: dict[str, str], code: str
) -> None:
    conversation_id = "00000000-0000-4000-8000-000000000000"
    status, _, body = call(
        handlers["list_messages"],
        http_event(
            "GET",
            "/v1/conversations/{id}/messages",
            path=f"/v1/conversations/{conversation_id}/messages",
            path_parameters={"id": conversation_id},
            query=query,
        ),
    )
    assert status == 400
    assert_error(body, code)


@pytest.mark.parametrize("key", ["", "x" * 129, "has space", "tab\there", "ünïcode"])
def test_bad_idempotency_keys_are_400(handlers: dict[str, ModuleType], key: str) -> None:
    event = http_event("POST", "/v1/chat", body={"message": "hi"}, headers={"idempotency-key": key})
    status, _, body = call(handlers["chat"], event)
    assert status == 400
    assert_error(body, "invalid_request")


def test_malformed_conversation_id_is_400(handlers: dict[str, ModuleType]) -> None:
    status, _, body = call(
        handlers["get_conversation"],
        http_event(
            "GET",
            "/v1/conversations/{id}",
            path="/v1/conversations/nope",
            path_parameters={"id": "nope"},
        ),
    )
    assert status == 400
    assert_error(body, "invalid_request")


def test_a_json_body_sent_as_a_form_is_still_read_as_json(handlers: dict[str, ModuleType]) -> None:
    event = http_event(
        "POST",
        "/v1/chat",
        body={"message": "hi"},
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    status, _, body = call(handlers["chat"], event)
    assert status == 503  # reached the model (down in this fixture), so the body was understood
    form = http_event(
        "POST",
        "/v1/chat",
        body="message=hi",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    status, _, body = call(handlers["chat"], form)
    assert status == 400
    assert body["error"]["message"] == "The body is not valid JSON."


def test_a_storage_outage_is_a_503_with_retry_after(
    handlers: dict[str, ModuleType], dynamodb: Any
) -> None:
    from botocore.exceptions import ClientError

    def fail(**_: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "GetItem"
        )

    from chat_core import wiring as wired

    wired.repository().client._client.meta.events.register("before-call.dynamodb.GetItem", fail)
    event = http_event("GET", "/v1/stats")
    status, headers, body = call(handlers["stats"], event)
    assert status == 503
    assert body["error"]["code"] == "storage_unavailable"
    assert headers["Retry-After"] == "1"


def test_no_answer_is_cacheable_and_every_route_knows_its_caller(
    handlers: dict[str, ModuleType],
) -> None:
    """The router middleware: ``no-store`` on answers and on each kind of error, and a
    route reads the caller the identity middleware checked (a token without a usable
    ``sub`` never reaches a route)."""
    answers = [
        call(handlers["health"], http_event("GET", "/v1/health", sub=None)),
        call(handlers["agents"], http_event("GET", "/v1/agents")),
        call(handlers["stats"], http_event("GET", "/v1/stats")),
        call(handlers["stats"], http_event("GET", "/v1/stats", sub=None)),
        call(handlers["chat"], http_event("POST", "/v1/chat", body={"mesage": "typo"})),
        call(handlers["chat"], http_event("POST", "/v1/chat", body=[1])),
        call(handlers["stats"], http_event("GET", "/v1/nowhere")),
    ]
    assert [status for status, _, _ in answers] == [200, 200, 200, 401, 400, 400, 404]
    for status, headers, _ in answers:
        assert headers.get("Cache-Control") == "no-store", status
    _, _, alice = call(handlers["chat"], http_event("POST", "/v1/chat", body={"message": "hi"}))
    conversation_id = alice["conversation_id"]
    for sub, expected in (("bob", 403), ("alice", 200)):
        status, _, page = call(
            handlers["get_conversation"],
            http_event(
                "GET",
                "/v1/conversations/{id}",
                path=f"/v1/conversations/{conversation_id}",
                path_parameters={"id": conversation_id},
                sub=sub,
            ),
        )
        assert status == expected, page
