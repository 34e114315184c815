"""The same hand-interleaved races as tests/unit/test_races.py, on DynamoDB Local."""

from __future__ import annotations

from typing import Any

import pytest

from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.settings import Settings
from tests.support import races
from tests.support.direct_turn import stack_client
from tests.support.fakes import FakeModel, ManualClock
from tests.support.turns import InProcessTurn

CAP = 3


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def local_repo(stack: Any) -> DynamoChatRepository:
    return DynamoChatRepository(stack.table_names["ChatTable"], stack_client(stack))


@pytest.fixture
def settings(stack: Any) -> Settings:
    return Settings(
        table_name=stack.table_names["ChatTable"],
        max_active_conversations=CAP,
        rate_limit_turns_per_minute=10_000,
    )


@pytest.fixture
def turn(local_repo: DynamoChatRepository, settings: Settings, clock: ManualClock) -> InProcessTurn:
    return InProcessTurn(local_repo, FakeModel(), settings, clock=clock)


def test_two_claims_from_one_read(
    local_repo: DynamoChatRepository, turn: InProcessTurn, unique_user: str
) -> None:
    races.two_claims_from_one_read(local_repo, turn, unique_user)


def test_a_claim_after_a_delete(
    local_repo: DynamoChatRepository, turn: InProcessTurn, unique_user: str
) -> None:
    races.claim_after_delete(local_repo, turn, unique_user)


def test_a_claim_after_the_cap_archived_its_conversation(
    local_repo: DynamoChatRepository, turn: InProcessTurn, unique_user: str, clock: ManualClock
) -> None:
    clock.advance(1)
    races.claim_after_archive_by_the_cap(local_repo, turn, unique_user, CAP, clock)


def test_a_reply_after_the_lease_was_taken_over(
    local_repo: DynamoChatRepository,
    turn: InProcessTurn,
    unique_user: str,
    clock: ManualClock,
    settings: Settings,
) -> None:
    races.reply_after_the_lease_was_taken_over(
        local_repo, turn, unique_user, clock, settings.turn_lease_seconds * 1000
    )


def test_cap_creations_from_one_observed_count(
    local_repo: DynamoChatRepository, unique_user: str, clock: ManualClock
) -> None:
    races.cap_creations_from_one_observed_count(local_repo, unique_user, CAP, clock)


def test_a_delete_after_a_turn_committed(
    local_repo: DynamoChatRepository, turn: InProcessTurn, unique_user: str
) -> None:
    races.delete_after_a_turn_committed(local_repo, turn, unique_user)


def test_a_reply_after_a_delete(
    local_repo: DynamoChatRepository, turn: InProcessTurn, unique_user: str
) -> None:
    races.reply_after_a_delete(local_repo, turn, unique_user)


def test_a_failure_after_the_lease_was_taken_over(
    local_repo: DynamoChatRepository,
    turn: InProcessTurn,
    unique_user: str,
    clock: ManualClock,
    settings: Settings,
) -> None:
    races.failure_after_the_lease_was_taken_over(
        local_repo, turn, unique_user, clock, settings.turn_lease_seconds * 1000
    )


def test_a_failure_after_the_messages_were_purged(
    local_repo: DynamoChatRepository, turn: InProcessTurn, unique_user: str
) -> None:
    races.failure_after_the_messages_were_purged(local_repo, turn, unique_user)


def test_a_rerun_after_a_delete(
    local_repo: DynamoChatRepository, turn: InProcessTurn, unique_user: str
) -> None:
    races.rerun_after_a_delete(local_repo, turn, unique_user)
