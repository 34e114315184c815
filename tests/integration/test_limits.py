"""Limits through the gateway: full conversations, rate limits (nothing stored), model timeouts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from local.testing import running_stack
from tests.support.api_client import ApiClient
from tests.support.fakes import reserved_by
from tests.support.minute import within_one_minute
from tests.support.waiting import eventually


@pytest.fixture(scope="module")
def tight_stack() -> Iterator[Any]:
    env = {
        "MAX_MESSAGES_PER_CONVERSATION": "4",
        "RATE_LIMIT_TURNS_PER_MINUTE": "4",
        "RATE_LIMIT_ACTIONS_PER_MINUTE": "6",
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
    tight_stack: Any,
) -> None:
    """A token holder cannot create conversations (or rename, rate, search...) without
    bound: past the minute's budget (6 here) a change is 429 with Retry-After, and a
    search shares the budget; reads are not metered."""
    client = ApiClient(tight_stack.base_url, tight_stack.token("busy-hands"))
    within_one_minute(20)
    created = [client.post("/v1/conversations", {}).status for _ in range(6)]
    assert created == [201] * 6
    refused = client.post("/v1/conversations", {})
    assert (refused.status, refused.error_code()) == (429, "rate_limited")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "6 changes or searches per minute" in refused.body["error"]["message"]
    search = client.get("/v1/search/conversations?q=x")
    assert (search.status, search.error_code()) == (429, "rate_limited")
    listed = client.get("/v1/conversations?limit=100&status=archived")
    assert listed.status == 200  # a read is not metered
    assert len(listed.body["items"]) == 6 - 5  # the refused one stored nothing


def test_turns_sent_at_once_near_the_daily_budget_never_take_the_day_past_it() -> None:
    """Five streamed turns sent at once with room for two and a half: two are accepted,
    the others are 429 at once, and the day ends within its budget."""
    reserved = reserved_by()  # the default agent type's worst case on the default model
    budget = 2 * reserved + reserved // 2
    env = {"DAILY_TOKEN_BUDGET": str(budget), "RATE_LIMIT_TURNS_PER_MINUTE": "1000"}
    with running_stack(env=env) as stack:
        api = ApiClient(stack.base_url, stack.token("near-the-budget"))
        with ThreadPoolExecutor(5) as pool:
            answers = list(
                pool.map(lambda n: api.chat(f"at once {n} [stub:delay=1]", stream=True), range(5))
            )
        assert sorted(a.status for a in answers) == [202, 202, 429, 429, 429]
        refused = next(a for a in answers if a.status == 429)
        assert refused.error_code() == "rate_limited"
        assert f"{reserved:,} tokens" in refused.body["error"]["message"]

        def idle(conversation_id: str) -> bool:
            return api.get(f"/v1/conversations/{conversation_id}").body["live_turn"] is None

        accepted = [a.body["conversation_id"] for a in answers if a.status == 202]
        eventually(lambda: all(idle(c) for c in accepted), "the accepted turns' replies stored")
        tokens = api.get("/v1/stats").body["tokens"]
        assert 0 < tokens["prompt"] + tokens["completion"] <= budget


def test_an_export_in_many_parts_is_one_action(tight_stack: Any) -> None:
    """Only the first part of an export (or page of a search) spends the minute's
    budget: following its cursor does not, so a long export is never cut off."""
    client = ApiClient(tight_stack.base_url, tight_stack.token("exporter"))
    within_one_minute(20)
    conversation_id = client.post("/v1/conversations", {"title": "to export"}).body["id"]
    for _ in range(4):  # 1 + 4 + this export's first part: 6, the budget
        client.patch(f"/v1/conversations/{conversation_id}", {"title": "renamed"})
    first = client.get(f"/v1/conversations/{conversation_id}/export?format=json")
    assert first.status == 200, first.body
    assert client.post("/v1/conversations", {}).status == 429  # the budget is spent
    with_cursor = client.get(f"/v1/conversations/{conversation_id}/export?cursor=bogus")
    assert with_cursor.error_code() == "invalid_cursor"  # not 429: a cursor is not metered
