"""Storage faults at each step of a turn leave nothing half-written (the fault matrix).

A throttling error is injected with a botocore hook at one DynamoDB call of a turn on
an existing conversation; afterwards the caller has a 503, and the conversation has no
orphan reply, no counter drift and no stuck lease.
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chat_core.errors import StorageUnavailable
from chat_core.models import ChatRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.repository.port import ClaimRejected, Refusal, StorageFault, WriteConflict
from chat_core.repository.refusals import Item
from chat_core.repository.transactions import NamedItem, transact
from chat_core.services.stats import read_stats
from tests.support.fakes import ManualClock
from tests.support.turns import InProcessTurn

# (operation, which call of it in the turn): GetItem state, TX1 claim, Query history
# (Query 2 is the live-items poll, made once the model is asked: see below), TX2 reply
STEPS = [("GetItem", 1), ("TransactWriteItems", 1), ("Query", 1), ("TransactWriteItems", 2)]


class FaultInjector:
    """Fails the n-th call of one operation; when `sticky`, every call after it too."""

    def __init__(self, client: Any, operation: str, nth: int, sticky: bool = False) -> None:
        self.operation, self.nth, self.sticky = operation, nth, sticky
        self.seen: Counter[str] = Counter()
        self.armed = True
        self.tripped = False
        client.meta.events.register("before-call.dynamodb", self._maybe_fail)

    def _maybe_fail(self, model: Any, **_: Any) -> None:
        if not self.armed:
            return
        self.seen[model.name] += 1
        hit = model.name == self.operation and self.seen[model.name] == self.nth
        if hit or (self.sticky and self.tripped):
            self.tripped = True
            raise ClientError(
                {
                    "Error": {
                        "Code": "ProvisionedThroughputExceededException",
                        "Message": "injected",
                    }
                },
                model.name,
            )


def assert_consistent(repo: DynamoChatRepository, sub: str, conversation_id: str) -> list[Any]:
    conversation = repo.get_conversation(sub, conversation_id)
    assert conversation is not None
    messages = list(reversed(repo.latest_messages(sub, conversation_id, 100)))
    assert [m.seq for m in messages] == list(range(1, len(messages) + 1))
    assert conversation.message_count == len(messages)
    for previous, message in pairwise(messages):
        if message.role == "assistant":
            assert previous.role == "user" and previous.status == "ok", "orphan reply"
    assert read_stats(repo, sub).messages == len(messages), "counter drift"
    return messages


@pytest.mark.parametrize(("operation", "nth"), STEPS)
def test_a_fault_at_any_step_leaves_nothing_half_written(
    dynamodb: Any,
    repo: DynamoChatRepository,
    turn: InProcessTurn,
    clock: ManualClock,
    operation: str,
    nth: int,
) -> None:
    conversation_id = turn.run("alice", ChatRequest(message="before")).response.conversation_id
    clock.advance(10)
    injector = FaultInjector(dynamodb, operation, nth)
    # Before the claim the fault surfaces as StorageFault, after it as StorageUnavailable
    # (with the conversation id): the HTTP layer answers 503 for both.
    with pytest.raises((StorageFault, StorageUnavailable)):
        turn.run("alice", ChatRequest(message="during the fault", conversation_id=conversation_id))
    injector.armed = False

    messages = assert_consistent(repo, "alice", conversation_id)
    faulted = [m for m in messages if m.content == "during the fault"]
    if (operation, nth) in (("GetItem", 1), ("TransactWriteItems", 1)):
        assert faulted == []  # failed before or inside the claim: nothing written
    else:
        assert [m.status for m in faulted] == ["failed"]  # kept, marked failed, lease released
    conversation = repo.get_conversation("alice", conversation_id)
    assert conversation is not None and not conversation.turn_in_flight(clock())

    clock.advance(10)  # no stuck lease: the next turn runs at once
    after = turn.run(
        "alice", ChatRequest(message="after", conversation_id=conversation_id)
    ).response
    assert after.reply.seq == after.user_message.seq + 1
    assert_consistent(repo, "alice", conversation_id)


def test_a_failed_live_poll_does_not_fail_the_turn(
    dynamodb: Any, repo: DynamoChatRepository, turn: InProcessTurn, clock: ManualClock
) -> None:
    """The poll only finds watchers and Stop requests: without it the reply still lands."""
    conversation_id = turn.run("alice", ChatRequest(message="before")).response.conversation_id
    clock.advance(10)
    injector = FaultInjector(dynamodb, "Query", 2)  # the first poll, after the history
    reply = turn.run(
        "alice", ChatRequest(message="during the fault", conversation_id=conversation_id)
    ).response
    assert injector.tripped
    assert reply.reply.status == "ok" and reply.reply.seq == 4
    assert_consistent(repo, "alice", conversation_id)


def test_storage_down_for_the_rest_of_the_turn_frees_the_conversation_after_the_lease(
    dynamodb: Any, repo: DynamoChatRepository, turn: InProcessTurn, clock: ManualClock
) -> None:
    conversation_id = turn.run("alice", ChatRequest(message="before")).response.conversation_id
    clock.advance(10)
    injector = FaultInjector(dynamodb, "Query", 2, sticky=True)
    with pytest.raises(StorageUnavailable):
        turn.run("alice", ChatRequest(message="lost turn", conversation_id=conversation_id))
    injector.armed = False
    stuck = repo.get_conversation("alice", conversation_id)
    assert stuck is not None and stuck.turn_in_flight(clock())  # the release failed too

    clock.advance(61_000)  # past TURN_LEASE_SECONDS
    resumed = turn.run(
        "alice", ChatRequest(message="back", conversation_id=conversation_id)
    ).response
    messages = assert_consistent(repo, "alice", conversation_id)
    assert [(m.content, m.status) for m in messages if m.content == "lost turn"] == [
        ("lost turn", "failed")
    ]
    assert resumed.user_message.seq == 4


@pytest.mark.parametrize("nth", [1, 2])  # the claim, the reply
def test_a_transaction_conflict_is_retried_not_reported(
    dynamodb: Any, repo: DynamoChatRepository, turn: InProcessTurn, clock: ManualClock, nth: int
) -> None:
    conversation_id = turn.run("alice", ChatRequest(message="before")).response.conversation_id
    clock.advance(10)
    calls: Counter[str] = Counter()

    def conflict_once(model: Any, params: Any, **_: Any) -> None:
        calls[model.name] += 1
        if model.name == "TransactWriteItems" and calls[model.name] == nth:
            reasons = [{"Code": "None"} for _ in params["TransactItems"]]
            reasons[-1] = {"Code": "TransactionConflict", "Message": "injected"}
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                    "CancellationReasons": reasons,
                },
                "TransactWriteItems",
            )

    dynamodb.meta.events.register("before-parameter-build.dynamodb", conflict_once)
    reply = turn.run(
        "alice", ChatRequest(message="during a conflict", conversation_id=conversation_id)
    ).response
    assert (reply.user_message.seq, reply.reply.seq) == (3, 4)
    assert calls["TransactWriteItems"] == 3  # one refused, retried, then the other transaction
    messages = assert_consistent(repo, "alice", conversation_id)
    assert [m.status for m in messages] == ["ok"] * 4


def test_a_reply_whose_transaction_keeps_conflicting_is_a_503_with_the_message_kept(
    dynamodb: Any, repo: DynamoChatRepository, turn: InProcessTurn, clock: ManualClock
) -> None:
    """Contention, not a lost turn: the reply transaction is refused for a conflict on every
    attempt. The caller hears 503 (retry), never 404; the message stays, the lease is free."""
    conversation_id = turn.run("alice", ChatRequest(message="before")).response.conversation_id
    clock.advance(10)
    calls: Counter[str] = Counter()

    def reply_always_conflicts(model: Any, params: Any, **_: Any) -> None:
        if model.name != "TransactWriteItems":
            return
        calls[model.name] += 1
        items = params["TransactItems"]
        if calls[model.name] > 1 and "Put" in items[0]:  # the reply's (its first item puts it)
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                    "CancellationReasons": [
                        {"Code": "TransactionConflict", "Message": "injected"} for _ in items
                    ],
                },
                "TransactWriteItems",
            )

    dynamodb.meta.events.register("before-parameter-build.dynamodb", reply_always_conflicts)
    with pytest.raises(StorageUnavailable) as unavailable:
        turn.run("alice", ChatRequest(message="contended", conversation_id=conversation_id))
    assert unavailable.value.extra["conversation_id"] == conversation_id
    dynamodb.meta.events.unregister("before-parameter-build.dynamodb", reply_always_conflicts)
    messages = assert_consistent(repo, "alice", conversation_id)
    assert [(m.content, m.status) for m in messages][-1] == ("contended", "failed")
    conversation = repo.get_conversation("alice", conversation_id)
    assert conversation is not None and conversation.turn_id is None


class _Refusing:
    """A client whose transactions are cancelled with the given reasons."""

    def __init__(self, *codes: str, reasons: bool = True) -> None:
        response: dict[str, Any] = {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}
        }
        if reasons:
            response["CancellationReasons"] = [{"Code": code} for code in codes]
        self.error = ClientError(response, "TransactWriteItems")

    def transact_write_items(self, **_: Any) -> None:
        raise self.error


def test_a_cancelled_transaction_names_the_refused_item_or_says_why() -> None:
    items: list[NamedItem] = [(Item.CONVERSATION, {}), (Item.MESSAGE, {}), (Item.STATS, {})]
    with pytest.raises(ClaimRejected) as refused:
        transact(_Refusing("None", "ConditionalCheckFailed", "None"), items)
    assert refused.value.reason is Refusal.MESSAGE_CHANGED
    # DynamoDB may list fewer reasons than items: the ones it lists still count.
    with pytest.raises(ClaimRejected) as refused:
        transact(_Refusing("ConditionalCheckFailed"), items)
    assert refused.value.reason is Refusal.CONVERSATION_CHANGED
    with pytest.raises(WriteConflict):
        transact(_Refusing("None", "TransactionConflict", "None"), items)
    with pytest.raises(StorageFault) as fault:
        transact(_Refusing("ValidationError", "None", "ThrottlingError"), items)
    assert (fault.value.code, fault.value.transient) == ("ThrottlingError,ValidationError", True)
    with pytest.raises(StorageFault) as fault:
        transact(_Refusing(reasons=False), items)
    assert (fault.value.code, fault.value.transient) == ("TransactionCanceled", True)


def test_a_failed_call_becomes_a_storage_fault_named_for_its_error() -> None:
    class Failing:
        def __init__(self, code: str) -> None:
            self.code = code

        def get_item(self, **_: Any) -> None:
            raise ClientError({"Error": {"Code": self.code, "Message": "no"}}, "GetItem")

    throttled = DynamoChatRepository("chat-unit", client=Failing("ThrottlingException"))
    with pytest.raises(StorageFault) as fault:
        throttled.get_stats("alice")
    assert (fault.value.code, fault.value.transient) == ("ThrottlingException", True)
    refused = DynamoChatRepository("chat-unit", client=Failing("ValidationException"))
    with pytest.raises(StorageFault) as fault:
        refused.get_stats("alice")
    assert (fault.value.code, fault.value.transient) == ("ValidationException", False)
