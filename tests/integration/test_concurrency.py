"""Concurrent turns and idempotent retries: nothing lost, nothing duplicated."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from tests.support.api_client import ApiClient


def test_parallel_turns_on_one_conversation_one_runs_the_others_are_busy(alice: ApiClient) -> None:
    conversation_id = alice.chat("start").body["conversation_id"]
    senders = 6
    with ThreadPoolExecutor(max_workers=senders) as pool:
        results = list(
            pool.map(
                lambda i: alice.chat(f"parallel {i} [stub:delay=3]", conversation_id),
                range(senders),
            )
        )
    statuses = sorted(r.status for r in results)
    # All six start within milliseconds and the winner holds the conversation for 3 s:
    # exactly one runs, every other one is told it is busy.
    assert statuses == [200] + [409] * (senders - 1), [r.body for r in results]
    busy = [r for r in results if r.status == 409]
    assert len(busy) == senders - 1
    for answer in busy:
        assert answer.error_code() == "conversation_busy"
        assert int(answer.headers["retry-after"]) >= 1
    messages = alice.get(f"/v1/conversations/{conversation_id}").body["messages"]
    assert [m["seq"] for m in messages] == list(range(1, len(messages) + 1))
    assert len(messages) == 2 + 2 * statuses.count(200)


def test_a_retry_with_the_same_idempotency_key_returns_the_first_answer(alice: ApiClient) -> None:
    key = str(uuid.uuid4())
    first = alice.post("/v1/chat", {"message": "only once"}, headers={"Idempotency-Key": key})
    assert first.status == 201
    again = alice.post("/v1/chat", {"message": "only once"}, headers={"Idempotency-Key": key})
    assert (again.status, again.body) == (201, first.body)
    conversation = alice.get(f"/v1/conversations/{first.body['conversation_id']}").body
    assert conversation["message_count"] == 2
    reused = alice.post("/v1/chat", {"message": "something else"}, headers={"Idempotency-Key": key})
    assert (reused.status, reused.error_code()) == (422, "idempotency_key_reused")


def test_a_retry_while_the_first_is_running_is_409_not_a_second_turn(alice: ApiClient) -> None:
    key = str(uuid.uuid4())
    body = {"message": "slow one [stub:delay=4]"}
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(alice.post, "/v1/chat", body, headers={"Idempotency-Key": key})
        time.sleep(1.5)  # the first is now waiting on the model, well inside its 4 s
        second = pool.submit(alice.post, "/v1/chat", body, headers={"Idempotency-Key": key})
        results = [first.result(), second.result()]
    assert results[0].status == 201
    assert results[1].status == 409
    assert int(results[1].headers["retry-after"]) >= 1
    assert len([c for c in alice.get("/v1/conversations").body["items"]]) == 1
