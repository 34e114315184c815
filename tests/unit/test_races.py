"""Races between conditional writes, interleaved by hand, on moto (tests/support/races.py)."""

from __future__ import annotations

from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.settings import Settings
from tests.support import races
from tests.support.fakes import ManualClock
from tests.support.turns import InProcessTurn


def test_two_claims_from_one_read(repo: DynamoChatRepository, turn: InProcessTurn) -> None:
    races.two_claims_from_one_read(repo, turn, "alice")


def test_a_claim_after_a_delete(repo: DynamoChatRepository, turn: InProcessTurn) -> None:
    races.claim_after_delete(repo, turn, "alice")


def test_a_claim_after_the_cap_archived_its_conversation(
    repo: DynamoChatRepository, turn: InProcessTurn, settings: Settings, clock: ManualClock
) -> None:
    clock.advance(1)
    races.claim_after_archive_by_the_cap(
        repo, turn, "alice", settings.max_active_conversations, clock
    )


def test_a_reply_after_the_lease_was_taken_over(
    repo: DynamoChatRepository, turn: InProcessTurn, settings: Settings, clock: ManualClock
) -> None:
    races.reply_after_the_lease_was_taken_over(
        repo, turn, "alice", clock, settings.turn_lease_seconds * 1000
    )


def test_cap_creations_from_one_observed_count(
    repo: DynamoChatRepository, settings: Settings, clock: ManualClock
) -> None:
    races.cap_creations_from_one_observed_count(
        repo, "alice", settings.max_active_conversations, clock
    )


def test_a_reply_after_a_delete(repo: DynamoChatRepository, turn: InProcessTurn) -> None:
    races.reply_after_a_delete(repo, turn, "alice")


def test_a_failure_after_the_lease_was_taken_over(
    repo: DynamoChatRepository, turn: InProcessTurn, settings: Settings, clock: ManualClock
) -> None:
    races.failure_after_the_lease_was_taken_over(
        repo, turn, "alice", clock, settings.turn_lease_seconds * 1000
    )


def test_a_failure_after_the_messages_were_purged(
    repo: DynamoChatRepository, turn: InProcessTurn
) -> None:
    races.failure_after_the_messages_were_purged(repo, turn, "alice")


def test_a_rerun_after_a_delete(repo: DynamoChatRepository, turn: InProcessTurn) -> None:
    races.rerun_after_a_delete(repo, turn, "alice")


def test_a_delete_after_a_turn_committed(repo: DynamoChatRepository, turn: InProcessTurn) -> None:
    races.delete_after_a_turn_committed(repo, turn, "alice")


def test_the_same_key_while_the_first_request_runs_is_409_not_a_second_turn(
    repo: DynamoChatRepository, settings: Settings
) -> None:
    """The idempotency record's race, deterministic: the first request is held inside the
    model (after its record says in-progress) while the second arrives with the same key."""
    import threading

    from chat_core.errors import IdempotencyInProgress
    from chat_core.models import ChatRequest
    from chat_core.services.idempotent_chat import IdempotentChat
    from tests.support.events import LambdaContext
    from tests.support.fakes import FakeModel
    from tests.unit.conftest import IDEMPOTENCY_TABLE

    entered, release = threading.Event(), threading.Event()

    class HeldModel(FakeModel):
        def stream(self, agent, prompt, tools=None):  # type: ignore[no-untyped-def]
            entered.set()
            release.wait(10)
            return super().stream(agent, prompt)

    model = HeldModel()
    idempotent = IdempotentChat(
        InProcessTurn(repo, model, settings),
        repo,
        settings.model_copy(update={"idempotency_table_name": IDEMPOTENCY_TABLE}),
    )
    request = ChatRequest(message="only once")
    results: list[object] = []
    first = threading.Thread(
        target=lambda: results.append(idempotent.run("alice", "k", request, LambdaContext()))
    )
    first.start()
    assert entered.wait(10)
    try:
        try:
            idempotent.run("alice", "k", request, LambdaContext())
            raise AssertionError("the second request ran a turn")
        except IdempotencyInProgress as busy:
            assert busy.retry_after and busy.retry_after >= 1
    finally:
        release.set()
        first.join(10)
    assert len(results) == 1 and len(model.prompts) == 1
    listed = repo.list_conversations(
        "alice", status="active", agent_type=None, limit=5, start_key=None
    )
    assert len(listed.items) == 1
