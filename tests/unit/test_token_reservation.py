"""The day's token budget is reserved, not only checked: each turn holds its worst case
from its claim until its reply settles it, so turns running at once can never take the
day past its budget; a failed turn, or a dead one whose lease is taken over, gives its
reservation back."""

from __future__ import annotations

from typing import Any

import pytest

from chat_core.errors import AgentUnavailable, NotFound, RateLimited
from chat_core.models import ChatRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.settings import Settings
from tests.support.fakes import FakeModel, ManualClock, reserved_by
from tests.support.turns import InProcessTurn

RESERVED = reserved_by()


def day_tokens(dynamodb: Any) -> int:
    item = dynamodb.get_item(
        TableName="chat-unit", Key={"PK": {"S": "USER#alice"}, "SK": {"S": "STATS"}}
    )["Item"]
    return int(item["day_tokens"]["N"])


def chat(repo: DynamoChatRepository, clock: ManualClock, budget: int, **fake: Any) -> InProcessTurn:
    settings = Settings(
        table_name="chat-unit",
        daily_token_budget=budget,
        max_active_conversations=10,
        rate_limit_turns_per_minute=1000,
    )
    return InProcessTurn(repo, FakeModel(**fake), settings, clock=clock)


def test_turns_claimed_together_never_take_the_day_past_its_budget(
    dynamodb: Any, repo: DynamoChatRepository, clock: ManualClock
) -> None:
    turn = chat(repo, clock, budget=2 * RESERVED + RESERVED // 2)
    started, refused = [], 0
    for number in range(5):  # five turns at once: none has a reply yet
        try:
            started.append(turn.start("alice", ChatRequest(message=f"at once {number}")))
        except RateLimited:
            refused += 1
    assert (len(started), refused) == (2, 3)
    assert day_tokens(dynamodb) == 2 * RESERVED  # held, not yet spent
    for claimed in started:
        turn.runner.run(claimed)
    assert day_tokens(dynamodb) == 2 * 27  # settled to what each reply really cost
    assert day_tokens(dynamodb) <= 2 * RESERVED + RESERVED // 2


def test_a_failed_turn_gives_its_reservation_back(
    dynamodb: Any, repo: DynamoChatRepository, clock: ManualClock
) -> None:
    failing = chat(repo, clock, budget=RESERVED, fail_with="down")
    with pytest.raises(AgentUnavailable):
        failing.run("alice", ChatRequest(message="the model is down"))
    assert day_tokens(dynamodb) == 0
    working = chat(repo, clock, budget=RESERVED)
    working.run("alice", ChatRequest(message="the whole budget is there again"))


def test_a_dead_turn_s_reservation_is_given_back_when_its_lease_is_taken_over(
    dynamodb: Any, repo: DynamoChatRepository, clock: ManualClock, settings: Settings
) -> None:
    turn = chat(repo, clock, budget=RESERVED + 100)
    first = turn.run("alice", ChatRequest(message="first")).response.conversation_id
    turn.start("alice", ChatRequest(message="its worker dies", conversation_id=first))
    assert day_tokens(dynamodb) == 27 + RESERVED
    with pytest.raises(RateLimited):  # the dead turn still holds the day's tokens
        turn.start("alice", ChatRequest(message="elsewhere"))
    clock.advance(settings.turn_lease_seconds * 1000 + 1)  # its lease runs out
    turn.run("alice", ChatRequest(message="takes it over", conversation_id=first))
    assert day_tokens(dynamodb) == 27 + 47  # the dead turn's reservation went with it


def test_a_turn_whose_conversation_is_deleted_under_it_gives_its_reservation_back(
    dynamodb: Any, repo: DynamoChatRepository, clock: ManualClock, conversations: Any
) -> None:
    turn = chat(repo, clock, budget=RESERVED)
    started = turn.start("alice", ChatRequest(message="deleted while it is answered"))
    assert day_tokens(dynamodb) == RESERVED
    conversations.delete("alice", started.claim.conversation.id)
    with pytest.raises(NotFound):
        turn.runner.run(started)  # its reply finds no conversation to go to
    assert day_tokens(dynamodb) == 0
    turn.run("alice", ChatRequest(message="the whole budget is there again"))
