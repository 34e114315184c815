"""The chat turn service on moto: what a user notices about sending messages."""

from __future__ import annotations

import pytest

from chat_core.errors import (
    AgentUnavailable,
    ConversationBusy,
    ConversationFull,
    Forbidden,
    InvalidRequest,
    MessageTooLong,
    NotFound,
    RateLimited,
    UnknownAgentType,
)
from chat_core.models import ChatRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.services.conversation_reader import ConversationReader
from chat_core.services.turn_runner import TurnOutcome
from chat_core.settings import Settings
from tests.support.fakes import FakeModel, ManualClock, reserved_by
from tests.support.turns import InProcessTurn


def send(
    turn: InProcessTurn, sub: str, message: str, conversation_id: str | None = None, **kw: str
) -> TurnOutcome:
    fields = {"message": message, "conversation_id": conversation_id, **kw}
    request = ChatRequest.model_validate({k: v for k, v in fields.items() if v is not None})
    return turn.run(sub, request)


def test_first_message_starts_a_conversation_titled_after_it(turn: InProcessTurn) -> None:
    outcome = send(turn, "alice", "How do I   bake bread?")
    assert outcome.created is True
    response = outcome.response
    assert response.title == "How do I bake bread?"
    assert response.agent_type == "general"
    assert (response.user_message.seq, response.reply.seq) == (1, 2)
    assert response.user_message.role == "user" and response.reply.role == "assistant"
    assert "How do I   bake bread?" in response.reply.content
    assert (
        response.usage.total_tokens
        == response.usage.prompt_tokens + response.usage.completion_tokens
    )


def test_resuming_sends_the_earlier_messages_to_the_model(
    turn: InProcessTurn, model: FakeModel, clock: ManualClock
) -> None:
    first = send(turn, "alice", "My name is Ada.").response
    clock.advance(1000)
    second = send(turn, "alice", "What is my name?", first.conversation_id)
    assert second.created is False
    prompt = model.prompts[-1]
    assert [m.role for m in prompt] == ["system", "user", "assistant", "user"]
    assert prompt[1].content == "My name is Ada."
    assert prompt[-1].content == "What is my name?"
    assert (second.response.user_message.seq, second.response.reply.seq) == (3, 4)


def test_seq_is_contiguous_and_everything_is_stored(
    turn: InProcessTurn, reader: ConversationReader, clock: ManualClock
) -> None:
    conversation_id = send(turn, "alice", "one").response.conversation_id
    for text in ("two", "three", "four"):
        clock.advance(10)
        send(turn, "alice", text, conversation_id)
    stored = reader.get_with_messages("alice", conversation_id, 100)
    assert [m.seq for m in stored.messages] == list(range(1, 9))
    assert [m.content for m in stored.messages if m.role == "user"] == [
        "one",
        "two",
        "three",
        "four",
    ]
    assert stored.message_count == 8


def test_model_failure_keeps_the_message_and_frees_the_conversation(
    turn: InProcessTurn, model: FakeModel, reader: ConversationReader, clock: ManualClock
) -> None:
    conversation_id = send(turn, "alice", "hello").response.conversation_id
    model.fail_with = "down"
    with pytest.raises(AgentUnavailable) as failure:
        send(turn, "alice", "are you there?", conversation_id)
    assert failure.value.extra["conversation_id"] == conversation_id
    assert failure.value.retry_after
    stored = reader.get_with_messages("alice", conversation_id, 100)
    assert [(m.seq, m.content, m.status) for m in stored.messages][-1] == (
        3,
        "are you there?",
        "failed",
    )

    model.fail_with = None
    clock.advance(10)
    retry = send(turn, "alice", "are you there?", conversation_id).response
    assert (retry.user_message.seq, retry.reply.seq) == (4, 5)
    # the failed copy is not sent to the model twice
    assert [m.content for m in model.prompts[-1] if m.role == "user"] == ["hello", "are you there?"]


def test_a_turn_in_flight_makes_the_next_one_busy_until_its_lease_ends(
    turn: InProcessTurn,
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
    model: FakeModel,
) -> None:
    conversation_id = send(turn, "alice", "hello").response.conversation_id
    # A Lambda that claimed a turn and died: claim without finishing.
    model.fail_with = "crash"
    claim = turn.start("alice", ChatRequest(message="lost", conversation_id=conversation_id)).claim
    model.fail_with = None
    clock.advance(1000)
    with pytest.raises(ConversationBusy) as busy:
        send(turn, "alice", "next", conversation_id)
    assert 1 <= (busy.value.retry_after or 0) <= settings.busy_retry_after_seconds
    clock.advance(settings.turn_lease_seconds * 1000)
    after = send(turn, "alice", "next", conversation_id).response
    assert after.user_message.seq == claim.user_message.seq + 1


def test_someone_elses_conversation_is_forbidden_and_a_missing_one_not_found(
    turn: InProcessTurn,
) -> None:
    conversation_id = send(turn, "alice", "secret").response.conversation_id
    with pytest.raises(Forbidden):
        send(turn, "mallory", "let me in", conversation_id)
    with pytest.raises(NotFound):
        send(turn, "alice", "hi", "00000000-0000-4000-8000-000000000000")


def test_limits_are_the_callers_errors(
    turn: InProcessTurn, settings: Settings, repo: DynamoChatRepository
) -> None:
    with pytest.raises(MessageTooLong):
        send(turn, "alice", "x" * (settings.max_message_chars + 1))
    with pytest.raises(UnknownAgentType):
        send(turn, "alice", "hi", agent_type="nope")
    conversation_id = send(turn, "alice", "m").response.conversation_id
    with pytest.raises(InvalidRequest):
        send(turn, "alice", "switch", conversation_id, agent_type="coder")
    # None of the refused requests stored anything.
    assert [c.id for c in repo.active_conversations("alice", "general", 10)] == [conversation_id]
    assert repo.active_conversations("alice", "coder", 10) == []
    stored = repo.get_conversation("alice", conversation_id)
    assert stored is not None and stored.message_count == 2


def test_conversation_full_leaves_room_for_the_reply(
    turn: InProcessTurn, reader: ConversationReader, settings: Settings, clock: ManualClock
) -> None:
    conversation_id = send(turn, "alice", "m").response.conversation_id
    for _ in range(settings.max_messages_per_conversation // 2 - 1):
        clock.advance(10)
        send(turn, "alice", "m", conversation_id)
    with pytest.raises(ConversationFull):
        send(turn, "alice", "one too many", conversation_id)
    stored = reader.get_with_messages("alice", conversation_id, 100)
    assert stored.message_count == settings.max_messages_per_conversation


def test_rate_limit_per_minute(
    repo: DynamoChatRepository, model: FakeModel, clock: ManualClock
) -> None:
    limited = InProcessTurn(
        repo, model, Settings(table_name="chat-unit", rate_limit_turns_per_minute=2), clock=clock
    )
    clock.now = clock.now - clock.now % 60_000 + 30_000  # 30 s into a minute
    send(limited, "alice", "1")
    send(limited, "alice", "2")
    with pytest.raises(RateLimited) as limited_error:
        send(limited, "alice", "3")
    assert limited_error.value.retry_after == 30
    send(limited, "bob", "other users are not affected")
    clock.advance(30_000)
    send(limited, "alice", "next minute works")


def test_daily_token_budget(
    repo: DynamoChatRepository, model: FakeModel, clock: ManualClock
) -> None:
    # Room for one turn's reservation, and 20 tokens of what it really spends (27).
    budget = reserved_by() + 20
    budgeted = InProcessTurn(
        repo, model, Settings(table_name="chat-unit", daily_token_budget=budget), clock=clock
    )
    send(budgeted, "alice", "spends 27 tokens")
    with pytest.raises(RateLimited):
        send(budgeted, "alice", "over budget")


def test_new_conversations_beyond_the_cap_archive_the_least_recently_active(
    turn: InProcessTurn,
    reader: ConversationReader,
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
) -> None:
    ids = []
    for i in range(settings.max_active_conversations + 1):
        clock.advance(1000)
        ids.append(send(turn, "alice", f"conversation {i}").response.conversation_id)
    active = repo.active_conversations("alice", "general", 10)
    assert len(active) == settings.max_active_conversations
    archived = repo.get_conversation("alice", ids[0])
    assert archived is not None and archived.status == "archived"
    # other agent types have their own cap
    send(turn, "alice", "code please", agent_type="coder")
    assert (
        len(repo.active_conversations("alice", "general", 10)) == settings.max_active_conversations
    )

    clock.advance(1000)
    send(turn, "alice", "back again", ids[0])
    revived = repo.get_conversation("alice", ids[0])
    assert revived is not None and revived.status == "active"
    assert repo.get_conversation("alice", ids[1]).status == "archived"  # type: ignore[union-attr]
    assert (
        len(repo.active_conversations("alice", "general", 10)) == settings.max_active_conversations
    )


def test_a_new_conversation_at_the_cap_archives_around_a_reply_being_written(
    turn: InProcessTurn, repo: DynamoChatRepository, settings: Settings, clock: ManualClock
) -> None:
    """The least recently active conversation is answering right now: the cap archives
    the next one instead (archiving it would be refused until its reply is stored)."""
    ids = []
    for i in range(settings.max_active_conversations):
        clock.advance(1000)
        ids.append(send(turn, "alice", f"conversation {i}").response.conversation_id)
    clock.advance(1000)
    turn.start("alice", ChatRequest(message="still going", conversation_id=ids[0]))  # in flight
    for later in ids[1:]:  # the others are active more recently
        clock.advance(1000)
        send(turn, "alice", "later", later)
    clock.advance(1000)
    send(turn, "alice", "one more")
    statuses = [repo.get_conversation("alice", i).status for i in ids]  # type: ignore[union-attr]
    assert statuses == ["active", "archived", "active"]


def test_a_new_conversation_has_its_first_message_s_time_while_the_reply_is_written(
    turn: InProcessTurn, repo: DynamoChatRepository, clock: ManualClock
) -> None:
    started = turn.start("alice", ChatRequest(message="hello"))  # claimed, not answered
    stored = repo.get_conversation("alice", started.claim.conversation.id)
    assert stored is not None and stored.last_message_ms == clock() == stored.created_ms
