"""Races between conditional writes, interleaved by hand so they happen every run.

Each scenario prepares writes from one read, lets another writer commit in between,
then applies the stale write: the condition that guards the guarantee must refuse it,
and nothing may be lost, duplicated or brought back. The same scenarios run on moto
(tests/unit/test_races.py) and on DynamoDB Local (tests/integration/test_races.py), so
neither emulator's quirks decide.
"""

from __future__ import annotations

from typing import Any

import pytest

from chat_core.models import ChatRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.repository.port import ClaimRejected, TurnLost, TurnResult
from chat_core.repository.records import ConversationRecord, MessageRecord
from chat_core.services.active_cap import plan_cap
from chat_core.services.stats import read_stats
from tests.support.turns import InProcessTurn


def started(turn: InProcessTurn, sub: str, text: str = "first") -> str:
    return turn.run(sub, ChatRequest(message=text)).response.conversation_id


def prepared(turn: InProcessTurn, sub: str, conversation_id: str, text: str) -> Any:
    """A claim as the chat function prepares it from its read, not yet written."""
    claim, _agent = turn._prepare_claim(
        sub, ChatRequest(message=text, conversation_id=conversation_id)
    )
    return claim


def contiguous(repo: DynamoChatRepository, sub: str, conversation_id: str) -> list[MessageRecord]:
    messages = list(reversed(repo.latest_messages(sub, conversation_id, 100)))
    assert [m.seq for m in messages] == list(range(1, len(messages) + 1))
    conversation = repo.get_conversation(sub, conversation_id)
    if conversation is not None:
        assert conversation.message_count == len(messages)
    return messages


def two_claims_from_one_read(repo: DynamoChatRepository, turn: InProcessTurn, sub: str) -> None:
    """Both read message_count = 2 and want seq 3: only the first may store its message."""
    conversation_id = started(turn, sub)
    first = prepared(turn, sub, conversation_id, "from tab one")
    second = prepared(turn, sub, conversation_id, "from tab two")
    assert first.user_message.seq == second.user_message.seq == 3
    repo.begin_turn(first)
    with pytest.raises(ClaimRejected):
        repo.begin_turn(second)
    messages = contiguous(repo, sub, conversation_id)
    assert [m.content for m in messages if m.role == "user"] == ["first", "from tab one"]
    assert read_stats(repo, sub).messages == 3  # the refused claim counted nothing


def claim_after_delete(repo: DynamoChatRepository, turn: InProcessTurn, sub: str) -> None:
    """A turn prepared before a delete must not put the deleted conversation back."""
    conversation_id = started(turn, sub)
    claim = prepared(turn, sub, conversation_id, "too late")
    conversation = repo.get_conversation(sub, conversation_id)
    assert conversation is not None
    repo.delete_conversation(sub, conversation, claim.now + 1, 2**31)
    with pytest.raises(ClaimRejected):
        repo.begin_turn(claim)
    assert repo.get_conversation(sub, conversation_id) is None
    listed = repo.list_conversations(
        sub, status="active", agent_type=None, limit=10, start_key=None
    )
    assert conversation_id not in [c.id for c in listed.items]
    assert read_stats(repo, sub).messages == 0
    assert read_stats(repo, sub).conversations.active == 0


def claim_after_archive_by_the_cap(
    repo: DynamoChatRepository, turn: InProcessTurn, sub: str, cap: int, clock: Any
) -> None:
    """A turn prepared on an active conversation that the cap archives meanwhile."""
    oldest = started(turn, sub, "the oldest")
    claim = prepared(turn, sub, oldest, "still here?")
    for number in range(cap):  # the cap's creations archive the least recently active
        clock.advance(10)
        started(turn, sub, f"newer {number}")
    archived = repo.get_conversation(sub, oldest)
    assert archived is not None and archived.status == "archived"
    with pytest.raises(ClaimRejected):
        repo.begin_turn(claim)  # it read "active": it must not reactivate past the cap
    stats = read_stats(repo, sub)
    assert stats.conversations.active == cap
    assert stats.conversations.archived == 1
    assert [m.content for m in contiguous(repo, sub, oldest) if m.role == "user"] == ["the oldest"]


def lease_taken_over(
    repo: DynamoChatRepository, turn: InProcessTurn, sub: str, clock: Any, lease_ms: int
) -> tuple[str, Any, Any]:
    """A slow turn whose worker went quiet past its lease, and the turn that took over."""
    conversation_id = started(turn, sub)
    slow = prepared(turn, sub, conversation_id, "slow one")
    repo.begin_turn(slow)
    clock.advance(lease_ms + 1)
    taker = prepared(turn, sub, conversation_id, "next one")
    repo.begin_turn(taker)
    return conversation_id, slow, taker


def reply_after_the_lease_was_taken_over(
    repo: DynamoChatRepository, turn: InProcessTurn, sub: str, clock: Any, lease_ms: int
) -> None:
    """A turn that outlived its lease may not store its reply over the next turn's."""
    conversation_id, slow, _taker = lease_taken_over(repo, turn, sub, clock, lease_ms)
    late = MessageRecord(
        id="late-reply",
        conversation_id=conversation_id,
        seq=slow.user_message.seq + 1,
        role="assistant",
        content="too late",
        created_ms=clock(),
    )
    with pytest.raises(TurnLost):
        repo.finish_turn(slow, TurnResult(late, 1, 1), clock())
    messages = contiguous(repo, sub, conversation_id)
    statuses = {m.content: m.status for m in messages}
    assert statuses["slow one"] == "failed"  # the taker marked the dead turn's message
    assert statuses["next one"] == "ok" and "too late" not in statuses


def cap_creations_from_one_observed_count(
    repo: DynamoChatRepository, sub: str, cap: int, clock: Any
) -> None:
    """Two creations planned from the same count: the second must re-read, never overshoot."""
    for number in range(cap - 1):
        conversation = new_conversation(sub, f"c{number}", clock())
        observed, archive = plan_cap(repo, sub, "general", cap)
        repo.create_conversation(sub, conversation, archive, observed)
        clock.advance(10)
    observed, archive = plan_cap(repo, sub, "general", cap)  # both read cap - 1 active
    repo.create_conversation(sub, new_conversation(sub, "winner", clock()), archive, observed)
    with pytest.raises(ClaimRejected):
        repo.create_conversation(sub, new_conversation(sub, "loser", clock()), archive, observed)
    stats = read_stats(repo, sub)
    assert stats.conversations.active == cap
    active = repo.active_conversations(sub, "general", cap + 2)
    assert len(active) == cap


def delete_after_a_turn_committed(
    repo: DynamoChatRepository, turn: InProcessTurn, sub: str
) -> None:
    """A delete prepared before a turn committed must re-read, so counters stay exact."""
    conversation_id = started(turn, sub)
    stale = repo.get_conversation(sub, conversation_id)
    assert stale is not None and stale.message_count == 2
    turn.run(sub, ChatRequest(message="one more", conversation_id=conversation_id))
    with pytest.raises(ClaimRejected):
        repo.delete_conversation(sub, stale, stale.updated_ms + 1, 2**31)
    fresh = repo.get_conversation(sub, conversation_id)
    assert fresh is not None and fresh.message_count == 4
    repo.delete_conversation(sub, fresh, fresh.updated_ms + 1, 2**31)
    stats = read_stats(repo, sub)
    assert stats.messages == 0 and stats.conversations.active == 0


def reply_after_a_delete(repo: DynamoChatRepository, turn: InProcessTurn, sub: str) -> None:
    """A reply finished after its conversation was deleted must not bring it back."""
    conversation_id = started(turn, sub)
    slow = prepared(turn, sub, conversation_id, "answer me")
    repo.begin_turn(slow)
    conversation = repo.get_conversation(sub, conversation_id)
    assert conversation is not None
    repo.delete_conversation(sub, conversation, slow.now + 1, 2**31)
    reply = MessageRecord(
        id="reply-after-delete",
        conversation_id=conversation_id,
        seq=slow.user_message.seq + 1,
        role="assistant",
        content="nobody will read this",
        created_ms=slow.now + 2,
    )
    with pytest.raises(TurnLost):
        repo.finish_turn(slow, TurnResult(reply, 1, 1), slow.now + 2)
    assert repo.get_conversation(sub, conversation_id) is None
    listed = repo.list_conversations(
        sub, status="active", agent_type=None, limit=10, start_key=None
    )
    assert conversation_id not in [c.id for c in listed.items]
    assert read_stats(repo, sub).messages == 0  # the delete took all three off; none came back


def failure_after_the_lease_was_taken_over(
    repo: DynamoChatRepository, turn: InProcessTurn, sub: str, clock: Any, lease_ms: int
) -> None:
    """A dead turn's late failure must not free the conversation under the next turn."""
    conversation_id, slow, taker = lease_taken_over(repo, turn, sub, clock, lease_ms)
    with pytest.raises(TurnLost):
        repo.fail_turn(slow, slow.now)
    conversation = repo.get_conversation(sub, conversation_id)
    assert conversation is not None and conversation.turn_id == taker.turn_id  # still busy


def failure_after_the_messages_were_purged(
    repo: DynamoChatRepository, turn: InProcessTurn, sub: str
) -> None:
    """Marking a purged message failed must not write a stray item in its place."""
    conversation_id = started(turn, sub)
    slow = prepared(turn, sub, conversation_id, "slow one")
    repo.begin_turn(slow)
    conversation = repo.get_conversation(sub, conversation_id)
    assert conversation is not None
    repo.delete_conversation(sub, conversation, slow.now + 1, 2**31)
    assert repo.purge_messages(sub, conversation_id) == 3
    with pytest.raises(TurnLost):
        repo.fail_turn(slow, slow.now)
    assert repo.latest_messages(sub, conversation_id, 10) == []


def rerun_after_a_delete(repo: DynamoChatRepository, turn: InProcessTurn, sub: str) -> None:
    """A retry of a failed turn prepared before a delete must not claim the deleted one."""
    import contextlib

    from chat_core.errors import AgentUnavailable

    model = turn.runner._model
    model.fail_with = "down"  # type: ignore[attr-defined]
    with contextlib.suppress(AgentUnavailable):
        turn.submit(sub, ChatRequest(message="please"), request_key="retry-me")
    model.fail_with = None  # type: ignore[attr-defined]
    rerun = turn._prepare_rerun(sub, ChatRequest(message="please"), "retry-me")
    assert rerun is not None
    claim, _agent = rerun
    conversation = repo.get_conversation(sub, claim.conversation.id)
    assert conversation is not None
    repo.delete_conversation(sub, conversation, claim.now + 1, 2**31)
    with pytest.raises(ClaimRejected):
        repo.begin_turn(claim)
    assert repo.get_conversation(sub, claim.conversation.id) is None
    assert read_stats(repo, sub).conversations.active == 0


def new_conversation(sub: str, title: str, now: int) -> ConversationRecord:
    return ConversationRecord.new(
        id=f"{title}-{now}-{sub}"[:36],
        sub=sub,
        title=title,
        agent_type="general",
        now=now,
        first_message=False,
    )
