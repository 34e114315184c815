"""Limits through the gateway: full conversations, rate limits (nothing stored), model timeouts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from local.testing import running_stack
from tests.support.api_client import ApiClient
from tests.support.minute import within_one_minute


@pytest.fixture(scope="module")
def tight_stack() -> Iterator[Any]:
    env = {
        "MAX_MESSAGES_PER_CONVERSATION": "4",
        "RATE_LIMIT_TURNS_PER_MINUTE": "4",
        "MODEL_IDLE_TIMEOUT_SECONDS": "1",
        "MODEL_MAX_RETRIES": "0",
    }
    with running_stack(env=env) as running:
        yield running


def test_a_full_conversation_is_422_and_a_new_one_works(tight_stack: Any) -> None:
    client = ApiClient(tight_stack.base_url, tight_stack.token("full-user"))
    conversation_id = client.chat("one").body["conversation_id"]
    assert client.chat("two", conversation_id).status == 200
    full = client.chat("three", conversation_id)
    assert (full.status, full.error_code()) == (422, "conversation_full")
    assert client.get(f"/v1/conversations/{conversation_id}").body["message_count"] == 4
    assert client.chat("a new one").status == 201


def test_over_the_rate_limit_is_429_with_retry_after_and_nothing_stored(tight_stack: Any) -> None:
    client = ApiClient(tight_stack.base_url, tight_stack.token("hasty-user"))
    within_one_minute(10)
    statuses = [client.chat(f"message {i}").status for i in range(4)]
    assert statuses == [201] * 4
    limited = client.chat("one too many")
    assert (limited.status, limited.error_code()) == (429, "rate_limited")
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    stats = client.get("/v1/stats").body
    assert stats["messages"] == 8  # the refused message was not stored
    assert "one too many" not in str(client.get("/v1/conversations?limit=100").body)


def test_a_model_slower_than_the_timeout_is_503_quickly_and_keeps_the_message(
    tight_stack: Any,
) -> None:
    client = ApiClient(tight_stack.base_url, tight_stack.token("patient-user"))
    started = time.monotonic()
    slow = client.chat("take your time [stub:delay=5]")
    assert (slow.status, slow.error_code()) == (503, "agent_unavailable")
    assert time.monotonic() - started < 4.5  # gave up at the 1 s timeout, not after 5 s
    stored = client.get(f"/v1/conversations/{slow.body['conversation_id']}").body
    assert [m["status"] for m in stored["messages"]] == ["failed"]


def test_changes_and_searches_have_a_budget_per_minute_with_a_clear_429(
    alice: ApiClient,
) -> None:
    """A token holder cannot create conversations (or rename, rate, search...) without
    bound: the 61st change of a minute is 429 with Retry-After, and a search shares it."""
    within_one_minute(20)
    created = [alice.post("/v1/conversations", {}).status for _ in range(60)]
    assert created == [201] * 60
    refused = alice.post("/v1/conversations", {})
    assert (refused.status, refused.error_code()) == (429, "rate_limited")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "60 changes or searches per minute" in refused.body["error"]["message"]
    search = alice.get("/v1/search/conversations?q=x")
    assert (search.status, search.error_code()) == (429, "rate_limited")
    listed = alice.get("/v1/conversations?limit=100&status=archived").body["items"]
    assert len(listed) == 60 - 5  # the refused one stored nothing (5 stay active)
