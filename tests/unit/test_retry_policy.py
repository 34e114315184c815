"""One owner of retries: the repository reports a lost race at once, the RetryPolicy
decides how often and for how long (three stacked loops could issue ~48
TransactWriteItems and sleep ~7.5 s inside one 30 s request)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chat_core.errors import ConversationBusy, StorageUnavailable
from chat_core.models import ChatRequest, CreateConversationRequest, UpdateConversationRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.repository.port import WriteConflict
from chat_core.services.conversations import ConversationService
from chat_core.services.retry_policy import RetryPolicy
from chat_core.settings import Settings
from tests.support.fakes import FakeModel, ManualClock
from tests.support.turns import InProcessTurn


class SteppingTime:
    """A sleep that only moves a monotonic clock, and each attempt costs ``per_call`` s."""

    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now

    def policy(self, attempts: int, budget_seconds: float = 60, **rest: float) -> RetryPolicy:
        """A policy that pauses on this clock."""
        return RetryPolicy(
            attempts=attempts,
            budget_seconds=budget_seconds,
            sleep=self.sleep,
            monotonic=self.monotonic,
            **rest,
        )


def always_conflicting(
    client: Any, calls: Counter[str], only_first_item: str | None = None
) -> None:
    def conflict(model: Any, params: Any, **_: Any) -> None:
        if model.name != "TransactWriteItems":
            return
        calls["TransactWriteItems"] += 1
        items = params["TransactItems"]
        if only_first_item and only_first_item not in items[0]:
            return
        raise ClientError(
            {
                "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                "CancellationReasons": [{"Code": "TransactionConflict"} for _ in items],
            },
            "TransactWriteItems",
        )

    client.meta.events.register("before-parameter-build.dynamodb", conflict)


def test_the_repository_reports_a_conflict_at_once_without_retrying_it(
    dynamodb: Any, repo: DynamoChatRepository, turn: InProcessTurn
) -> None:
    started = turn.start("alice", ChatRequest(message="first"))
    calls: Counter[str] = Counter()
    always_conflicting(dynamodb, calls)
    with pytest.raises(WriteConflict):
        repo.fail_turn(started.claim, started.claim.now)
    assert calls["TransactWriteItems"] == 1


def test_a_claim_that_always_conflicts_makes_exactly_the_policys_attempts_within_its_budget(
    dynamodb: Any, repo: DynamoChatRepository, settings: Settings, clock: ManualClock
) -> None:
    time = SteppingTime()
    policy = time.policy(attempts=8)
    turn = InProcessTurn(repo, FakeModel(), settings, clock=clock, retry=policy)
    calls: Counter[str] = Counter()
    always_conflicting(dynamodb, calls)
    with pytest.raises(ConversationBusy):
        turn.run("alice", ChatRequest(message="contended"))
    assert calls["TransactWriteItems"] == 8  # not 8 x 6 as when two loops were stacked
    assert len(time.pauses) == 7  # no pause after the last attempt
    # Each pause is jittered below its doubling bound: 0.01, 0.02, ... 0.64 s.
    assert all(p <= 0.01 * 2**n for n, p in enumerate(time.pauses))


def test_the_time_budget_ends_the_retries_before_the_attempts_run_out(
    dynamodb: Any, repo: DynamoChatRepository, settings: Settings, clock: ManualClock
) -> None:
    """A pause that would end past the budget is not taken: the caller hears at once."""
    time = SteppingTime()
    policy = time.policy(attempts=50, budget_seconds=1.0, base_delay_seconds=0.2)
    turn = InProcessTurn(repo, FakeModel(), settings, clock=clock, retry=policy)
    calls: Counter[str] = Counter()
    always_conflicting(dynamodb, calls)
    with pytest.raises(ConversationBusy):
        turn.run("alice", ChatRequest(message="contended"))
    assert time.now <= 1.0
    assert 2 <= calls["TransactWriteItems"] < 50


def test_sidebar_changes_that_keep_colliding_are_409_after_the_policys_attempts(
    dynamodb: Any,
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
    conversations: ConversationService,
) -> None:
    first = conversations.create("alice", CreateConversationRequest()).id
    time = SteppingTime()
    policy = time.policy(attempts=3)
    stubborn = ConversationService(
        repo, conversations._cursors, settings, clock=clock, retry=policy
    )
    calls: Counter[str] = Counter()
    always_conflicting(dynamodb, calls)
    changes: list[Callable[[], object]] = [
        lambda: stubborn.create("alice", CreateConversationRequest()),
        lambda: stubborn.update("alice", first, UpdateConversationRequest(status="archived")),
        lambda: stubborn.delete("alice", first),
    ]
    for change in changes:
        calls.clear()
        with pytest.raises(ConversationBusy, match="Too many changes"):
            change()
        assert calls["TransactWriteItems"] == 3


def test_the_reply_transaction_is_retried_by_the_same_policy_then_a_503(
    dynamodb: Any, repo: DynamoChatRepository, settings: Settings, clock: ManualClock
) -> None:
    time = SteppingTime()
    policy = time.policy(attempts=3)
    turn = InProcessTurn(repo, FakeModel(), settings, clock=clock, retry=policy)
    started = turn.start("alice", ChatRequest(message="first"))
    calls: Counter[str] = Counter()
    # Only the reply's transaction (its first item puts the reply) conflicts; the
    # release (mark failed, free the lease) goes through.
    always_conflicting(dynamodb, calls, only_first_item="Put")
    with pytest.raises(StorageUnavailable):
        turn.runner.run(started)
    # 3 reply attempts, then the release (mark failed, free the lease) once
    assert calls["TransactWriteItems"] == 4
    conversation = repo.get_conversation("alice", started.claim.conversation.id)
    assert conversation is not None and conversation.turn_id is None
