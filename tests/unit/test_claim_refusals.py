"""What the caller hears when another writer changed the conversation between the
chat function's read and its claim: interleaved by hand through the whole service.

tests/support/races.py shows that the storage conditions refuse the stale claim; these
tests show what the service makes of the refusal: 404 after a delete, 409 with an
honest Retry-After while another turn holds the lease, and never a second run of a
retried request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from chat_core.errors import AgentUnavailable, ConversationBusy, NotFound
from chat_core.models import ChatRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.repository.port import TurnClaim
from chat_core.services.conversations import ConversationService
from chat_core.settings import Settings
from tests.support.fakes import FakeModel, ManualClock, RepositoryWith
from tests.support.turns import InProcessTurn


class Interleaved(RepositoryWith):
    """The repository, with something another writer does just before the next claim."""

    def __init__(self, repo: DynamoChatRepository) -> None:
        super().__init__(repo)
        self.before_next_claim: Callable[[], Any] | None = None

    def begin_turn(self, claim: TurnClaim) -> None:
        meanwhile, self.before_next_claim = self.before_next_claim, None
        if meanwhile:
            meanwhile()
        self._repo.begin_turn(claim)


@pytest.fixture
def interleaved(repo: DynamoChatRepository) -> Interleaved:
    return Interleaved(repo)


def conversation_of(turn: InProcessTurn) -> str:
    return turn.run("alice", ChatRequest(message="first")).response.conversation_id


def test_a_turn_whose_conversation_is_deleted_before_its_claim_is_not_found(
    interleaved: Interleaved,
    turn: InProcessTurn,
    conversations: ConversationService,
    settings: Settings,
    clock: ManualClock,
) -> None:
    conversation_id = conversation_of(turn)
    stale = InProcessTurn(interleaved, FakeModel(), settings, clock=clock)
    interleaved.before_next_claim = lambda: conversations.delete("alice", conversation_id)
    with pytest.raises(NotFound):
        stale.start("alice", ChatRequest(message="late", conversation_id=conversation_id))
    assert (
        conversations.list("alice", status="active", agent_type=None, limit=10, cursor=None).items
        == []
    )


@pytest.mark.parametrize(
    ("lease_left_ms", "retry_after"),
    [
        (30_000, 2),  # the setting's 2 s: sooner than the lease ends
        (1_001, 2),  # the lease ends in 1.001 s: retry in 2 s, not 1
        (400, 1),  # never less than a second
    ],
)
def test_a_turn_that_loses_the_lease_to_another_is_busy_until_that_lease_ends(
    interleaved: Interleaved,
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
    lease_left_ms: int,
    retry_after: int,
) -> None:
    first = InProcessTurn(repo, FakeModel(), settings, clock=clock)
    conversation_id = conversation_of(first)
    stale = InProcessTurn(interleaved, FakeModel(), settings, clock=clock)

    def other_tab_starts_a_turn() -> None:
        first.start("alice", ChatRequest(message="other tab", conversation_id=conversation_id))
        clock.advance(settings.turn_lease_seconds * 1000 - lease_left_ms)

    interleaved.before_next_claim = other_tab_starts_a_turn
    with pytest.raises(ConversationBusy) as busy:
        stale.start("alice", ChatRequest(message="this tab", conversation_id=conversation_id))
    assert busy.value.retry_after == retry_after
    messages = repo.latest_messages("alice", conversation_id, 10)
    assert [m.content for m in messages if m.role == "user"] == ["other tab", "first"]


def test_a_retry_that_another_retry_of_the_same_request_overtook_is_busy(
    interleaved: Interleaved, repo: DynamoChatRepository, settings: Settings, clock: ManualClock
) -> None:
    """Two instances retry one failed request. One claims the stored message first; the
    other's claim, prepared from the same read, must not run it a second time, even with
    its clock ahead (so the first one's lease looks expired to it)."""
    failing = InProcessTurn(repo, FakeModel(fail_with="down"), settings, clock=clock)
    with pytest.raises(AgentUnavailable):
        failing.submit("alice", ChatRequest(message="hello"), request_key="k")
    ahead = ManualClock(clock.now + 2 * settings.turn_lease_seconds * 1000)
    overtaken = InProcessTurn(interleaved, FakeModel(), settings, clock=ahead)
    winner = InProcessTurn(repo, FakeModel(), settings, clock=clock)
    winners: list[str] = []
    interleaved.before_next_claim = lambda: winners.append(
        winner.start("alice", ChatRequest(message="hello"), request_key="k").claim.turn_id
    )
    with pytest.raises(ConversationBusy) as busy:
        overtaken.start("alice", ChatRequest(message="hello"), request_key="k")
    assert busy.value.retry_after == settings.busy_retry_after_seconds
    (conversation,) = repo.active_conversations("alice", "general", 10)
    assert conversation.turn_id == winners[0]  # the winner's turn, untouched
    assert [m.content for m in repo.latest_messages("alice", conversation.id, 10)] == ["hello"]
