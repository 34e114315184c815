"""Streamed turns through the local stack: HTTP starts them, the WebSocket carries them.

Every test drives the real path: POST /v1/chat with ``"stream": true`` through the
gateway's JWT checks, the chat function, Lambda's (emulated) Invoke API, the worker,
the stub model streaming SSE through the openai client, the management API, and a
WebSocket client that connected through the $connect authorizer.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from chat_core.live.connections import MAX_CONNECTIONS_PER_USER
from tests.support.api_client import ApiClient
from tests.support.forged_tokens import attack_tokens
from tests.support.live_client import LiveClient, websocket_url
from tests.support.stub_records import stub_record_of
from tests.support.waiting import eventually

SLOW = "[stub:words=60] [stub:rate=20]"  # about 3 s of streaming


def start(api: ApiClient, message: str, conversation_id: str | None = None, **kw: Any) -> Any:
    response = api.chat(message, conversation_id, stream=True, **kw)
    assert response.status == 202, response.body
    return response.body


def stored(api: ApiClient, conversation_id: str) -> dict[str, Any]:
    body: dict[str, Any] = api.get(f"/v1/conversations/{conversation_id}?messages=100").body
    return body


def wait_until_idle(api: ApiClient, conversation_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        conversation = stored(api, conversation_id)
        if conversation["live_turn"] is None:
            return conversation
        assert time.monotonic() < deadline, "the turn never ended"
        time.sleep(0.2)


def test_a_streamed_turn_arrives_in_order_and_is_stored_once(
    alice: ApiClient, live: Callable[[], LiveClient]
) -> None:
    socket = live()
    accepted = start(alice, f"Tell me a story {SLOW}")
    conversation_id, turn_id = accepted["conversation_id"], accepted["turn_id"]
    assert accepted["status"] == "generating"
    assert accepted["user_message"]["seq"] == 1 and accepted["title"]

    completed = socket.end_of(conversation_id)
    assert completed["type"] == "turn.completed"
    started = socket.of_type("turn.started")
    assert [e["turn_id"] for e in started] == [turn_id]
    assert started[0]["user_message_seq"] == 1
    deltas = [e for e in socket.of_type("turn.delta") if e["turn_id"] == turn_id]
    assert len(deltas) >= 5, "the reply arrived in pieces, as it was written"
    offsets = [e["offset"] for e in deltas]
    assert offsets == sorted(offsets) and offsets[0] == 0
    reply = completed["reply"]
    assert socket.text_of(turn_id) == reply["content"]
    assert (reply["seq"], reply["status"]) == (2, "ok")
    assert completed["usage"]["total_tokens"] > 0

    conversation = stored(alice, conversation_id)
    assert [(m["seq"], m["role"], m["status"]) for m in conversation["messages"]] == [
        (1, "user", "ok"),
        (2, "assistant", "ok"),
    ]
    assert conversation["messages"][1]["content"] == reply["content"]
    assert conversation["live_turn"] is None


def test_a_new_conversation_is_known_before_its_reply(
    alice: ApiClient, live: Callable[[], LiveClient]
) -> None:
    socket = live()
    accepted = start(alice, f"Plan a trip {SLOW}")
    conversation_id = accepted["conversation_id"]
    # A reload right now finds the conversation, its message and the live turn.
    during = stored(alice, conversation_id)
    assert [m["content"] for m in during["messages"]] == [f"Plan a trip {SLOW}"]
    assert during["live_turn"] == {"turn_id": accepted["turn_id"], "user_message_seq": 1}
    listed = alice.get("/v1/conversations").body["items"]
    assert conversation_id in [c["id"] for c in listed]
    assert socket.end_of(conversation_id)["type"] == "turn.completed"


def test_a_client_that_leaves_mid_stream_still_gets_its_reply_stored(
    alice: ApiClient, live: Callable[[], LiveClient]
) -> None:
    socket = live()
    accepted = start(alice, f"Explain tides {SLOW}")
    socket.wait_for(lambda e: e["type"] == "turn.delta")
    socket.close()  # the tab is closed mid-reply
    conversation = wait_until_idle(alice, accepted["conversation_id"])
    reply = conversation["messages"][-1]
    assert (reply["role"], reply["status"]) == ("assistant", "ok")
    assert reply["content"].endswith("word60")


def test_a_second_connection_rejoins_the_live_reply(
    alice: ApiClient, live: Callable[[], LiveClient]
) -> None:
    first = live()
    accepted = start(alice, f"Long answer please {SLOW}")
    turn_id = accepted["turn_id"]
    first.wait_for(lambda e: e["type"] == "turn.delta" and e["offset"] > 0)
    second = live()  # a reload, or another tab
    joined = second.wait_for(lambda e: e["type"] == "turn.started")
    assert joined["turn_id"] == turn_id
    assert joined["text"], "a late joiner gets the text so far at once"
    completed = second.end_of(accepted["conversation_id"])
    assert second.text_of(turn_id) == completed["reply"]["content"]
    assert first.text_of(turn_id) == completed["reply"]["content"]


def test_a_model_failure_mid_stream_keeps_the_partial_reply_marked_incomplete(
    alice: ApiClient, live: Callable[[], LiveClient]
) -> None:
    socket = live()
    accepted = start(alice, "Start then fail [stub:break=6] [stub:rate=20]")
    conversation_id = accepted["conversation_id"]
    completed = socket.end_of(conversation_id)
    assert completed["type"] == "turn.completed"
    assert completed["reply"]["status"] == "incomplete"
    assert completed["error"]["code"] == "agent_unavailable"
    partial = completed["reply"]["content"]
    assert partial.startswith("You said:") and len(partial.split()) == 6
    conversation = stored(alice, conversation_id)
    assert conversation["messages"][-1]["status"] == "incomplete"
    # The conversation is free again: the user can retry at once.
    again = alice.chat("Try again", conversation_id)
    assert again.status == 200 and again.body["reply"]["seq"] == 4


def test_a_model_that_fails_before_any_text_is_a_failed_turn(
    alice: ApiClient, live: Callable[[], LiveClient]
) -> None:
    socket = live()
    accepted = start(alice, "Nothing comes [stub:status=500]")
    failed = socket.end_of(accepted["conversation_id"])
    assert failed["type"] == "turn.failed"
    assert failed["error"]["code"] == "agent_unavailable"
    assert failed["user_message_seq"] == 1
    conversation = stored(alice, accepted["conversation_id"])
    assert [m["status"] for m in conversation["messages"]] == ["failed"]


def test_stop_closes_the_model_stream_and_keeps_what_was_written(
    stack: Any, alice: ApiClient, live: Callable[[], LiveClient]
) -> None:
    socket = live()
    marker = f"Go on and on {uuid.uuid4().hex}"
    accepted = start(alice, f"{marker} [stub:words=400] [stub:rate=20]")
    conversation_id = accepted["conversation_id"]
    socket.wait_for(lambda e: e["type"] == "turn.delta" and e["offset"] > 20)
    stop = alice.post(f"/v1/conversations/{conversation_id}/stop")
    assert stop.status == 202
    assert stop.body == {
        "conversation_id": conversation_id,
        "turn_id": accepted["turn_id"],
        "status": "stopping",
    }
    completed = socket.end_of(conversation_id, timeout=10)
    reply = completed["reply"]
    assert reply["status"] == "stopped"
    assert reply["content"] == socket.text_of(accepted["turn_id"])
    assert 0 < len(reply["content"].split()) < 200
    # The lease is released at once: the next message is answered, not 409.
    assert alice.chat("Thanks", conversation_id).status == 200
    # The stub's stream was closed early: it never sent its last words.
    record = stub_record_of(stack, marker)
    assert not record["finished"] and record["chunks"] < 400, "the model's stream was not closed"
    nothing = alice.post(f"/v1/conversations/{conversation_id}/stop")
    assert (nothing.status, nothing.error_code()) == (409, "no_turn_in_progress")


def test_stop_is_refused_for_someone_elses_conversation(
    alice: ApiClient, mallory: ApiClient, live: Callable[[], LiveClient]
) -> None:
    accepted = start(alice, f"Mine {SLOW}")
    attempt = mallory.post(f"/v1/conversations/{accepted['conversation_id']}/stop")
    assert (attempt.status, attempt.error_code()) == (403, "forbidden")
    missing = mallory.post(f"/v1/conversations/{uuid.uuid4()}/stop")
    assert (missing.status, missing.error_code()) == (404, "not_found")
    assert wait_until_idle(alice, accepted["conversation_id"])["messages"][-1]["status"] == "ok"


def test_a_resent_turn_with_the_same_idempotency_key_runs_once(
    alice: ApiClient, live: Callable[[], LiveClient]
) -> None:
    socket = live()
    key = {"Idempotency-Key": f"turn-{uuid.uuid4()}"}
    body = {"message": "Only once [stub:rate=50]", "stream": True}
    first = alice.post("/v1/chat", body, headers=key)
    again = alice.post("/v1/chat", body, headers=key)
    assert first.status == 202
    assert again.status in (202, 409)  # the same answer, or "still running"
    if again.status == 202:
        assert again.body == first.body
    socket.end_of(first.body["conversation_id"])
    after = alice.post("/v1/chat", body, headers=key)
    assert (after.status, after.body) == (202, first.body)
    conversation = stored(alice, first.body["conversation_id"])
    assert conversation["message_count"] == 2
    assert len(socket.of_type("turn.started")) == 1


def test_a_second_message_while_a_reply_streams_is_busy(
    alice: ApiClient, live: Callable[[], LiveClient]
) -> None:
    live()
    accepted = start(alice, f"First {SLOW}")
    busy = alice.chat("Second", accepted["conversation_id"], stream=True)
    assert (busy.status, busy.error_code()) == (409, "conversation_busy")
    assert int(busy.headers["retry-after"]) >= 1
    conversation = wait_until_idle(alice, accepted["conversation_id"])
    assert [m["seq"] for m in conversation["messages"]] == [1, 2]


def test_a_message_of_the_maximum_length_streams(
    alice: ApiClient, live: Callable[[], LiveClient]
) -> None:
    """16,000 characters of 2-byte UTF-8: over a 32 KB frame both ways, so it travels over
    HTTP, and the reply (which quotes it) reaches the socket in pieces under the limit."""
    socket = live()
    message = "é" * 16_000
    accepted = start(alice, message)
    completed = socket.end_of(accepted["conversation_id"])
    assert completed["type"] == "turn.completed", completed
    assert message in completed["reply"]["content"]
    assert socket.text_of(accepted["turn_id"]) == completed["reply"]["content"]
    assert stored(alice, accepted["conversation_id"])["messages"][0]["content"] == message


def test_the_socket_answers_pings_and_refuses_oversized_frames(
    live: Callable[[], LiveClient],
) -> None:
    socket = live()
    socket.send({"action": "ping"})
    assert socket.wait_for(lambda e: e["type"] == "pong")
    socket.send({"action": "shout"})
    assert socket.wait_for(lambda e: e["type"] == "error")["error"]["code"] == "unknown_action"
    socket.connection.send("[" * 30_000 + "]" * 2_000)  # nesting the parser cannot take
    refused = socket.wait_for(lambda e: e.get("error", {}).get("code") == "invalid_message")
    assert "nests deeper" in refused["error"]["message"]
    socket.send({"action": "ping"})  # the connection is still open and served
    eventually(lambda: len(socket.of_type("pong")) == 2, "a pong after the refused message")
    socket.connection.send("x" * (33 * 1024))  # one frame over API Gateway's 32 KB
    socket.wait_closed()
    assert socket.connection.close_code == 1009


@pytest.fixture(scope="module")
def attacker_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_connect_refuses_the_same_forged_tokens_as_the_http_api(
    stack: Any, attacker_key: rsa.RSAPrivateKey
) -> None:
    genuine = stack.token("ws-auth-tester")
    expired = stack.token("ws-auth-tester", expires_in=-5)
    url = websocket_url(stack.base_url)
    for name, token in attack_tokens(genuine, expired, attacker_key).items():
        offered = ["chat.v1"] if token is None else ["chat.v1", f"bearer.{token}"]
        if token == "":
            offered = ["chat.v1", "bearer."]
        with pytest.raises(InvalidStatus) as refused:
            connect(url, subprotocols=offered, open_timeout=10)  # type: ignore[arg-type]
        assert refused.value.response.status_code == 401, name
    with pytest.raises(InvalidStatus) as no_protocol:
        connect(url, open_timeout=10)
    assert no_protocol.value.response.status_code == 401
    with connect(url, subprotocols=["chat.v1", f"bearer.{genuine}"], open_timeout=10) as ok:  # type: ignore[list-item]
        assert ok.subprotocol == "chat.v1"


def test_events_go_only_to_the_owners_connections(
    alice: ApiClient, live: Callable[[], LiveClient], stack: Any, unique_user: str
) -> None:
    snoop = LiveClient(stack.base_url, stack.token(unique_user + "-snoop"))
    try:
        mine = live()
        accepted = start(alice, "Private [stub:rate=50]")
        mine.end_of(accepted["conversation_id"])
        time.sleep(0.5)
        assert snoop.events == []
    finally:
        snoop.close()


def test_a_connection_that_stays_quiet_keeps_receiving(
    alice: ApiClient, live: Callable[[], LiveClient]
) -> None:
    """Clients only listen; a connection silent for longer than any read timeout of the
    server must still get the next turn (API Gateway's idle limit is 10 minutes)."""
    socket = live()
    time.sleep(6.5)
    accepted = start(alice, "After a quiet while [stub:rate=50]")
    assert socket.end_of(accepted["conversation_id"])["type"] == "turn.completed"
    assert len(socket.of_type("turn.started")) == 1


def test_a_user_keeps_at_most_ten_connections_and_a_turn_posts_to_no_more(
    alice: ApiClient, live: Callable[[], LiveClient]
) -> None:
    sockets = []
    for _ in range(MAX_CONNECTIONS_PER_USER):
        sockets.append(live())
        time.sleep(0.01)  # connected_ms orders them
    newest = live()  # one past the cap: the oldest is told, then closed
    replaced = sockets[0].wait_for(lambda e: e["type"] == "connection.replaced")
    assert replaced == {"type": "connection.replaced"}
    sockets[0].wait_closed()
    accepted = start(alice, "To every tab")
    for socket in [*sockets[1:], newest]:
        assert socket.end_of(accepted["conversation_id"])["type"] == "turn.completed"
    assert not [e for e in sockets[0].events if e.get("turn_id") == accepted["turn_id"]]
