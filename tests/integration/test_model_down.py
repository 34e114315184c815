"""The model down: 503 with Retry-After, and the user's message stays stored as failed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.dynamodb_local import free_port  # nothing listens there: a closed port
from local.testing import running_stack
from tests.support.api_client import ApiClient


@pytest.fixture(scope="module")
def stack_without_model() -> Iterator[Any]:
    env = {"OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1", "MODEL_MAX_RETRIES": "1"}
    with running_stack(env=env) as running:
        yield running


def test_model_down_is_503_and_keeps_the_message(stack_without_model: Any) -> None:
    client = ApiClient(stack_without_model.base_url, stack_without_model.token("dora"))
    response = client.chat("is anybody there?")
    assert response.status == 503, response.body
    assert response.error_code() == "agent_unavailable"
    assert int(response.headers["retry-after"]) > 0
    conversation_id = response.body["conversation_id"]

    stored = client.get(f"/v1/conversations/{conversation_id}")
    assert stored.status == 200
    assert [(m["seq"], m["content"], m["status"]) for m in stored.body["messages"]] == [
        (1, "is anybody there?", "failed")
    ]
    # The conversation is not left locked: the next attempt runs (and fails the same way).
    again = client.chat("is anybody there?", conversation_id)
    assert again.status == 503
    assert again.error_code() == "agent_unavailable"
    stored = client.get(f"/v1/conversations/{conversation_id}")
    assert [m["seq"] for m in stored.body["messages"]] == [1, 2]


def test_stub_model_failure_status_is_503_and_a_retry_works(alice: ApiClient) -> None:
    first = alice.chat("hello")
    conversation_id = first.body["conversation_id"]
    failed = alice.chat("please fail [stub:status=500]", conversation_id)
    assert failed.status == 503
    assert failed.body["conversation_id"] == conversation_id
    retry = alice.chat("please work now", conversation_id)
    assert retry.status == 200
    assert (retry.body["user_message"]["seq"], retry.body["reply"]["seq"]) == (4, 5)
    statuses = [
        m.get("status", "ok")
        for m in alice.get(f"/v1/conversations/{conversation_id}").body["messages"]
    ]
    assert statuses == ["ok", "ok", "failed", "ok", "ok"]
