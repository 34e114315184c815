"""The rate budgets on the stats item stay exact when the read that chose the update is
stale (they share the item every turn writes anyway, instead of two items of their own).

The claim reads the stats item eventually consistently to choose between "open a new
minute (or day)" and "count into the current one"; a read that missed the latest turn
picks the wrong one. These tests feed the claim a stale read on purpose and check that
the count is never reset, the limit never passed and nothing is lost.
"""

from __future__ import annotations

from typing import Any

import pytest

from chat_core.errors import AgentUnavailable, RateLimited
from chat_core.models import ChatRequest
from chat_core.repository.codec import quota_from
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.repository.records import Quota
from chat_core.repository.stats_store import StatsStore
from chat_core.repository.table import Table
from chat_core.settings import Settings
from tests.support.dynamo_meter import DynamoMeter
from tests.support.fakes import FakeModel, ManualClock, reserved_by
from tests.support.turns import InProcessTurn

MINUTE_MS = 60_000


class StaleStats(StatsStore):
    """Its next eventually consistent reads of the rate budgets return ``stale``."""

    def __init__(self, table: Table) -> None:
        super().__init__(table)
        self.stale: list[Quota] = []
        self.consistent_reads = 0

    def quota(self, sub: str, *, consistent: bool) -> Quota:
        if consistent:
            self.consistent_reads += 1
        elif self.stale:
            return self.stale.pop(0)
        return super().quota(sub, consistent=consistent)


class StaleQuotaRepository(DynamoChatRepository):
    """The repository whose turns read the rate budgets through StaleStats."""

    def __init__(self, client: Any) -> None:
        super().__init__("chat-unit", client=client)
        self.quotas = StaleStats(self.table)
        self.turns.stats = self.quotas


@pytest.fixture
def stale_repo(dynamodb: Any) -> StaleQuotaRepository:
    return StaleQuotaRepository(dynamodb)


def chat(repo: DynamoChatRepository, clock: ManualClock, **limits: Any) -> InProcessTurn:
    return InProcessTurn(repo, FakeModel(), Settings(table_name="chat-unit", **limits), clock=clock)


def one_second_into_a_minute(clock: ManualClock) -> None:
    """The turns of a test then share one clock minute."""
    clock.now = clock.now - clock.now % MINUTE_MS + 1_000


def stats_item(dynamodb: Any) -> dict[str, int]:
    item = dynamodb.get_item(
        TableName="chat-unit", Key={"PK": {"S": "USER#alice"}, "SK": {"S": "STATS"}}
    )["Item"]
    return {name: int(value["N"]) for name, value in item.items() if "N" in value}


def send(turn: InProcessTurn, text: str, conversation_id: str | None = None) -> str:
    request = (
        ChatRequest(message=text, conversation_id=conversation_id)
        if conversation_id
        else ChatRequest(message=text)
    )
    return turn.run("alice", request).response.conversation_id


def test_a_stale_read_that_misses_this_minutes_turns_never_resets_the_count(
    dynamodb: Any, stale_repo: StaleQuotaRepository, clock: ManualClock
) -> None:
    one_second_into_a_minute(clock)
    turn = chat(stale_repo, clock, rate_limit_turns_per_minute=3)
    conversation_id = send(turn, "first")
    # the second claim is told nothing was spent yet: it tries to open the minute
    stale_repo.quotas.stale = [Quota()]
    send(turn, "second", conversation_id)
    assert stats_item(dynamodb)["minute_turns"] == 2  # counted on, not reset to 1
    assert stale_repo.quotas.consistent_reads == 1  # the retry read strongly
    send(turn, "third, back to cheap reads", conversation_id)
    assert stale_repo.quotas.consistent_reads == 1  # one strong read, not from then on
    stale_repo.quotas.stale = [Quota()]
    with pytest.raises(RateLimited):
        send(turn, "fourth: over the limit, whatever the stale read said", conversation_id)
    assert stats_item(dynamodb)["minute_turns"] == 3


def test_a_stale_read_of_last_minute_opens_this_minute_once(
    dynamodb: Any, stale_repo: StaleQuotaRepository, clock: ManualClock
) -> None:
    one_second_into_a_minute(clock)
    turn = chat(stale_repo, clock, rate_limit_turns_per_minute=2)
    conversation_id = send(turn, "minute 1")
    last_minute = quota_from(stats_item(dynamodb))  # as the claim's read sees it
    clock.advance(MINUTE_MS)
    send(turn, "minute 2, first")
    # this claim reads the item as it was a minute ago: it would count into that minute
    stale_repo.quotas.stale = [last_minute]
    send(turn, "minute 2, second", conversation_id)
    assert stats_item(dynamodb)["minute_turns"] == 2
    assert stats_item(dynamodb)["rate_minute"] == clock.now // MINUTE_MS
    with pytest.raises(RateLimited):
        send(turn, "minute 2, third", conversation_id)


def test_a_spent_budget_is_refused_without_a_write(
    dynamodb: Any, repo: DynamoChatRepository, clock: ManualClock
) -> None:
    turn = chat(repo, clock, daily_token_budget=reserved_by() + 20)
    conversation_id = send(turn, "spends 27 tokens")
    meter = DynamoMeter().attach(dynamodb)
    with pytest.raises(RateLimited):
        send(turn, "over budget", conversation_id)
    assert meter.operations.get("TransactWriteItems", 0) == 0
    assert stats_item(dynamodb)["messages"] == 2  # nothing stored


def test_the_days_tokens_start_again_the_next_day(
    dynamodb: Any, repo: DynamoChatRepository, clock: ManualClock
) -> None:
    turn = chat(repo, clock, daily_token_budget=reserved_by() + 20)
    conversation_id = send(turn, "spends 27 tokens")
    with pytest.raises(RateLimited):
        send(turn, "over budget", conversation_id)
    clock.advance(86_400_000)
    send(turn, "a new day", conversation_id)
    item = stats_item(dynamodb)
    assert item["rate_day"] == clock.now // 86_400_000
    spent_in_all = item["prompt_tokens"] + item["completion_tokens"]
    # yesterday's 27 are in the totals, not in today's budget
    assert item["day_tokens"] == spent_in_all - 27 > 0


def test_a_reservation_must_fit_the_budget_to_the_token(
    dynamodb: Any, stale_repo: StaleQuotaRepository, clock: ManualClock
) -> None:
    """After a turn that spent exactly 27 tokens, the next turn's reservation fits a
    budget of its reservation + 27 and not one token less, whether the read before the
    claim sees the spending or not (the condition does)."""
    reserved = reserved_by()
    turn = chat(stale_repo, clock, daily_token_budget=reserved + 26)
    conversation_id = send(turn, "spends 27 tokens")
    assert stats_item(dynamodb)["day_tokens"] == 27  # its reservation settled to its use
    with pytest.raises(RateLimited):
        send(turn, "one token short", conversation_id)
    stale_repo.quotas.stale = [Quota()]  # a read that missed the spending
    with pytest.raises(RateLimited):
        send(turn, "one token short, read stale", conversation_id)
    assert stats_item(dynamodb)["messages"] == 2
    send(chat(stale_repo, clock, daily_token_budget=reserved + 27), "fits", conversation_id)
    assert stats_item(dynamodb)["messages"] == 4


def test_a_retry_of_a_failed_turn_spends_the_minute_and_is_refused_over_it(
    dynamodb: Any, stale_repo: StaleQuotaRepository, clock: ManualClock
) -> None:
    """A rerun (Idempotency-Key retry of a failed turn) is a turn of the minute's budget,
    refused with 429 when it is spent, even after a stale read; the stats item then
    holds exactly what it held."""
    one_second_into_a_minute(clock)
    settings = Settings(table_name="chat-unit", rate_limit_turns_per_minute=2)
    failing = InProcessTurn(stale_repo, FakeModel(fail_with="down"), settings, clock=clock)
    with pytest.raises(AgentUnavailable):
        failing.submit("alice", ChatRequest(message="Hello"), request_key="key-1")
    send(chat(stale_repo, clock, rate_limit_turns_per_minute=2), "a second turn")
    before = stats_item(dynamodb)
    assert before["minute_turns"] == 2
    working = InProcessTurn(stale_repo, FakeModel(), settings, clock=clock)
    stale_repo.quotas.stale = [Quota()]
    with pytest.raises(RateLimited):
        working.start("alice", ChatRequest(message="Hello"), request_key="key-1")
    assert stale_repo.quotas.consistent_reads == 1  # the retry read strongly and saw it spent
    assert stats_item(dynamodb) == before


def test_a_read_that_stays_stale_costs_one_retry_not_a_409(
    dynamodb: Any, stale_repo: StaleQuotaRepository, clock: ManualClock
) -> None:
    """Eventually consistent reads that keep missing the minute's turns would choose the
    wrong update on every attempt; after one refusal the claim reads strongly."""
    one_second_into_a_minute(clock)
    turn = chat(stale_repo, clock, rate_limit_turns_per_minute=5)
    conversation_id = send(turn, "first")
    stale_repo.quotas.stale = [Quota()] * 20
    send(turn, "second", conversation_id)
    assert stats_item(dynamodb)["minute_turns"] == 2
    assert len(stale_repo.quotas.stale) == 19  # one stale read, then strong ones
