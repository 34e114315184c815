"""Replies slower than API Gateway's 30 s: the JSON route's 202, the lease, the deadline.

Time is scaled down (a 1.5 s wait instead of 25 s, a 5 s lease instead of 60 s, a 10 s
deadline instead of 600 s) so the same rules run in seconds.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from local.testing import running_stack
from tests.support.api_client import ApiClient


@pytest.fixture(scope="module")
def slow_stack() -> Iterator[Any]:
    env = {
        "JSON_REPLY_WAIT_SECONDS": "1.5",
        "TURN_LEASE_SECONDS": "5",
        "TURN_DEADLINE_SECONDS": "10",
        "RATE_LIMIT_TURNS_PER_MINUTE": "1000",
    }
    with running_stack(env=env) as running:
        yield running


def client(stack: Any) -> ApiClient:
    return ApiClient(stack.base_url, stack.token(f"slow-{uuid.uuid4().hex[:8]}"))


def last_message_when_idle(api: ApiClient, conversation_id: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conversation = api.get(f"/v1/conversations/{conversation_id}").body
        if conversation["live_turn"] is None:
            return conversation["messages"][-1]
        time.sleep(0.25)
    raise AssertionError("the turn never ended")


def test_a_json_client_gets_202_and_the_reply_is_stored_anyway(slow_stack: Any) -> None:
    api = client(slow_stack)
    key = {"Idempotency-Key": f"slow-{uuid.uuid4()}"}
    body = {"message": "Take your time [stub:delay=6]"}
    accepted = api.post("/v1/chat", body, headers=key)
    assert accepted.status == 202, accepted.body
    assert accepted.body["status"] == "generating"
    conversation_id = accepted.body["conversation_id"]
    # Answered at the wait, not when the reply was done: the reply is still being
    # written (a behaviour, not a timing: the model takes 6 s, the wait is 1.5 s).
    live = api.get(f"/v1/conversations/{conversation_id}").body["live_turn"]
    assert live is not None and live["turn_id"] == accepted.body["turn_id"]
    reply = last_message_when_idle(api, conversation_id)
    assert (reply["role"], reply["status"], reply["seq"]) == ("assistant", "ok", 2)
    # A resend of the same request is the same answer, not a second turn.
    assert api.post("/v1/chat", body, headers=key).body == accepted.body
    assert api.get(f"/v1/conversations/{conversation_id}").body["message_count"] == 2


def test_a_reply_longer_than_the_lease_keeps_its_conversation(slow_stack: Any) -> None:
    api = client(slow_stack)
    accepted = api.chat("Long one [stub:words=80] [stub:rate=10]", stream=True)
    conversation_id = accepted.body["conversation_id"]
    time.sleep(6.5)  # past the 5 s lease: only the heartbeat keeps the turn's claim
    busy = api.chat("Are you done?", conversation_id)
    assert (busy.status, busy.error_code()) == (409, "conversation_busy")
    reply = last_message_when_idle(api, conversation_id)
    assert reply["status"] == "ok" and reply["content"].endswith("word80")


def test_a_reply_past_the_deadline_is_kept_as_incomplete(slow_stack: Any) -> None:
    api = client(slow_stack)
    accepted = api.chat("Endless [stub:words=300] [stub:rate=10]", stream=True)
    reply = last_message_when_idle(api, accepted.body["conversation_id"], timeout=25)
    assert reply["status"] == "incomplete"
    assert 50 < len(reply["content"].split()) < 300
