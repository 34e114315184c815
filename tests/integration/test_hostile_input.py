"""Hostile and careless input through the gateway: always the caller's error, never a 5xx,
nothing stored; replays after delete; honest retries; what a browser needs."""

from __future__ import annotations

import http.client
import socket
import uuid
from typing import Any

import pytest

from tests.support.api_client import ApiClient
from tests.support.hostile_bodies import MALFORMED_BODIES


def body_routes(api: ApiClient) -> list[tuple[str, str]]:
    conversation = api.post("/v1/conversations", {"title": "target"}).body["id"]
    return [
        ("POST", "/v1/chat"),
        ("POST", "/v1/conversations"),
        ("PATCH", f"/v1/conversations/{conversation}"),
    ]


@pytest.mark.parametrize("name", list(MALFORMED_BODIES))
def test_a_malformed_body_is_400_and_stores_nothing(alice: ApiClient, name: str) -> None:
    routes = body_routes(alice)
    before = alice.get("/v1/stats").body
    for method, path in routes:
        response = alice.request(method, path, raw_body=MALFORMED_BODIES[name])
        assert (response.status, response.error_code()) == (400, "invalid_request"), (
            name,
            method,
            path,
            response.body,
        )
        assert response.body["error"]["message"] and response.body["error"]["request_id"]
    assert alice.get("/v1/stats").body == before
    titles = [c["title"] for c in alice.get("/v1/conversations").body["items"]]
    assert titles == ["target"]


def test_a_subject_longer_than_a_key_allows_is_401_without_touching_storage(stack: Any) -> None:
    api = ApiClient(stack.base_url, stack.token("s" * 3000))
    for response in (api.get("/v1/stats"), api.chat("hello"), api.get("/v1/conversations")):
        assert (response.status, response.error_code()) == (401, "unauthorized"), response.body


@pytest.mark.parametrize("path", ["/v1/conversations", "/v1/conversations/{id}/messages"])
@pytest.mark.parametrize("cursor", [".%C3%A9", "%C3%A9%C3%A9", "%00", "a" * 400, "AAAA"])
def test_any_bad_cursor_is_400_invalid_cursor(alice: ApiClient, path: str, cursor: str) -> None:
    conversation = alice.chat("hello").body["conversation_id"]
    response = alice.get(path.format(id=conversation) + f"?cursor={cursor}")
    assert (response.status, response.error_code()) == (400, "invalid_cursor"), response.body


def test_a_cursor_reveals_nothing_of_keys_or_users(alice: ApiClient, unique_user: str) -> None:
    import base64

    conversation = alice.chat("one").body["conversation_id"]
    for text in ("two", "three"):
        alice.chat(text, conversation)
    page = alice.get(f"/v1/conversations/{conversation}/messages?limit=2").body
    cursor = page["next_cursor"]
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    for leak in (b"USER#", b"MSG#", b"PK", unique_user.encode()[:12]):
        assert leak not in raw
    assert alice.get(f"/v1/conversations/{conversation}/messages?cursor={cursor}").status == 200


def test_a_replay_after_delete_returns_nothing_of_the_conversation(alice: ApiClient) -> None:
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    body = {"message": "my secret plans"}
    first = alice.post("/v1/chat", body, headers=key)
    assert first.status == 201
    assert alice.delete(f"/v1/conversations/{first.body['conversation_id']}").status == 204
    replay = alice.post("/v1/chat", body, headers=key)
    assert (replay.status, replay.error_code()) == (404, "not_found")
    assert "secret" not in str(replay.body)


def test_a_retry_after_503_answers_the_stored_message_once(alice: ApiClient) -> None:
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    body = {"message": f"Are you back? [stub:flaky={uuid.uuid4().hex}]"}
    failed = alice.post("/v1/chat", body, headers=key)
    assert (failed.status, failed.error_code()) == (503, "agent_unavailable")
    conversation_id = failed.body["conversation_id"]
    retried = alice.post("/v1/chat", body, headers=key)
    assert retried.status == 200, retried.body
    assert retried.body["conversation_id"] == conversation_id
    messages = alice.get(f"/v1/conversations/{conversation_id}").body["messages"]
    assert [(m["seq"], m["role"], m["status"]) for m in messages] == [
        (1, "user", "ok"),
        (2, "assistant", "ok"),
    ]
    assert alice.get("/v1/stats").body["messages"] == 2


def test_the_idempotency_key_rule_and_its_message_agree(alice: ApiClient) -> None:
    ok = alice.post("/v1/chat", {"message": "hi"}, headers={"Idempotency-Key": "Any-Key_1.2~x"})
    assert ok.status == 201
    bad = alice.post("/v1/chat", {"message": "hi"}, headers={"Idempotency-Key": "with space"})
    assert (bad.status, bad.error_code()) == (400, "invalid_request")
    assert "1 to 128 printable ASCII characters" in bad.body["error"]["message"]
    assert "UUID" not in bad.body["error"]["message"]


def test_api_answers_are_never_cached(alice: ApiClient) -> None:
    conversation = alice.chat("hello").body["conversation_id"]
    for response in (
        alice.get("/v1/conversations"),
        alice.get(f"/v1/conversations/{conversation}"),
        alice.get("/v1/stats"),
        alice.get(f"/v1/conversations/{uuid.uuid4()}"),
        alice.request("POST", "/v1/chat", raw_body=b"[1]"),
    ):
        assert response.headers.get("cache-control") == "no-store", response.status


def test_the_page_carries_the_headers_a_browser_needs(stack: Any) -> None:
    page = ApiClient(stack.base_url).get("/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy and "connect-src 'self'" in policy
    assert "img-src 'self';" in policy  # no image from anywhere else, no data: URL
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"


def raw_request(base_url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request)
        response = http.client.HTTPResponse(connection)
        response.begin()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def test_the_gateway_refuses_like_api_gateway_in_json_without_a_banner(stack: Any) -> None:
    huge = b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n"
    status, headers, body = raw_request(stack.base_url, huge)
    assert status == 431 and body == b'{"message": "Request Header Fields Too Large"}'
    status, headers, body = raw_request(
        stack.base_url, b"BREW /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    assert (status, body) == (404, b'{"message": "Not Found"}')
    assert headers["content-type"] == "application/json"
    status, headers, _ = raw_request(stack.base_url, b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 200 and "server" not in headers


def test_titles_refuse_controls_and_bidi_overrides_and_blank_means_invisible_too(
    alice: ApiClient,
) -> None:
    for title in ("ev\u202elive", "nul\x00here", "two\nlines", "\u2066isolated\u2069"):
        created = alice.post("/v1/conversations", {"title": title})
        assert (created.status, created.error_code()) == (400, "invalid_request"), title
    conversation_id = alice.post("/v1/conversations", {"title": "Fine"}).body["id"]
    renamed = alice.patch(f"/v1/conversations/{conversation_id}", {"title": "x\u202ey"})
    assert (renamed.status, renamed.error_code()) == (400, "invalid_request")
    for blank in ("\u200b\u200b\u200b", " \ufeff\u2060 "):
        sent = alice.chat(blank)
        assert (sent.status, sent.error_code()) == (400, "invalid_request"), repr(blank)
        titled = alice.post("/v1/conversations", {"title": blank})
        assert titled.status == 400, repr(blank)
    # A title cut from a first message loses what a title may not hold.
    turn = alice.chat("Hello \u202eevil\u202c world\x07")
    assert turn.status == 201, turn.body
    assert turn.body["title"] == "Hello evil world"
