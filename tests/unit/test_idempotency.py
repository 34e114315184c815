"""Idempotent turns: a retried request never runs or stores a second turn."""

from __future__ import annotations

import pytest

from chat_core.agent.catalogue import resolve_agent
from chat_core.errors import AgentUnavailable, IdempotencyKeyReused, NotFound
from chat_core.models import ChatRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.services.conversation_reader import ConversationReader
from chat_core.services.idempotent_chat import IdempotentChat
from chat_core.settings import Settings
from tests.support.events import LambdaContext
from tests.support.fakes import FakeModel, ManualClock
from tests.support.turns import InProcessTurn
from tests.support.waiting import eventually
from tests.unit.conftest import IDEMPOTENCY_TABLE


@pytest.fixture
def idempotent(
    turn: InProcessTurn, repo: DynamoChatRepository, settings: Settings
) -> IdempotentChat:
    return IdempotentChat(
        turn, repo, settings.model_copy(update={"idempotency_table_name": IDEMPOTENCY_TABLE})
    )


def test_a_retry_returns_the_first_answer_and_stores_nothing(
    idempotent: IdempotentChat, reader: ConversationReader, model: FakeModel
) -> None:
    first = idempotent.run("alice", "key-1", ChatRequest(message="hello"), LambdaContext())
    again = idempotent.run("alice", "key-1", ChatRequest(message="hello"), LambdaContext())
    assert again == first
    assert len(model.prompts) == 1
    stored = reader.get_with_messages("alice", first.body.conversation_id, 10)
    assert stored.message_count == 2


def test_the_chat_entry_runs_a_turn_without_a_key_and_at_most_one_per_key(
    idempotent: IdempotentChat, model: FakeModel
) -> None:
    """POST /v1/chat's one entry (the handler has no branch)."""
    hello = ChatRequest(message="hello")
    plain = idempotent.submit("alice", hello, None, LambdaContext())
    again = idempotent.submit("alice", hello, None, LambdaContext())
    assert plain.body.conversation_id != again.body.conversation_id  # two turns
    keyed = idempotent.submit("alice", hello, "entry-key", LambdaContext())
    assert idempotent.submit("alice", hello, "entry-key", LambdaContext()) == keyed
    bobs = idempotent.submit("bob", hello, "entry-key", LambdaContext())
    assert bobs.body.conversation_id != keyed.body.conversation_id
    assert len(model.prompts) == 4


def test_the_same_key_with_another_body_is_refused(idempotent: IdempotentChat) -> None:
    idempotent.run("alice", "key-1", ChatRequest(message="hello"), LambdaContext())
    with pytest.raises(IdempotencyKeyReused):
        idempotent.run("alice", "key-1", ChatRequest(message="something else"), LambdaContext())


def test_keys_are_per_user(idempotent: IdempotentChat) -> None:
    alice = idempotent.run("alice", "shared", ChatRequest(message="hello"), LambdaContext())
    bob = idempotent.run("bob", "shared", ChatRequest(message="hello"), LambdaContext())
    assert alice.body.conversation_id != bob.body.conversation_id


def test_a_failed_turn_is_not_remembered(idempotent: IdempotentChat, model: FakeModel) -> None:
    model.fail_with = "down"
    with pytest.raises(AgentUnavailable):
        idempotent.run("alice", "key-2", ChatRequest(message="hello"), LambdaContext())
    model.fail_with = None
    retried = idempotent.run("alice", "key-2", ChatRequest(message="hello"), LambdaContext())
    # It ran again (the failure was not replayed), in the conversation the first attempt
    # started: 200, not 201.
    assert retried.status_code == 200 and retried.body.reply.status == "ok"  # type: ignore[union-attr]


def test_a_retry_after_a_model_failure_answers_the_stored_message_without_a_copy(
    idempotent: IdempotentChat, reader: ConversationReader, model: FakeModel
) -> None:
    model.fail_with = "down"
    with pytest.raises(AgentUnavailable) as failed:
        idempotent.run("alice", "key-3", ChatRequest(message="hello"), LambdaContext())
    conversation_id = str(failed.value.extra["conversation_id"])
    model.fail_with = None
    retried = idempotent.run("alice", "key-3", ChatRequest(message="hello"), LambdaContext())
    assert retried.body.conversation_id == conversation_id
    stored = reader.get_with_messages("alice", conversation_id, 10)
    assert [(m.seq, m.role, m.content, m.status) for m in stored.messages] == [
        (1, "user", "hello", "ok"),
        (2, "assistant", retried.body.reply.content, "ok"),  # type: ignore[union-attr]
    ]
    again = idempotent.run("alice", "key-3", ChatRequest(message="hello"), LambdaContext())
    assert again == retried


def test_a_retry_of_a_failed_turn_in_an_existing_conversation_reuses_its_message(
    idempotent: IdempotentChat, reader: ConversationReader, model: FakeModel
) -> None:
    coder = ChatRequest(message="one", agent_type="coder")
    first = idempotent.run("alice", "k-a", coder, LambdaContext())
    conversation_id = first.body.conversation_id
    model.fail_with = "down"
    body = ChatRequest(message="two", conversation_id=conversation_id)
    with pytest.raises(AgentUnavailable):
        idempotent.run("alice", "k-b", body, LambdaContext())
    with pytest.raises(AgentUnavailable):  # a second failure, same key: still one copy
        idempotent.run("alice", "k-b", body, LambdaContext())
    model.fail_with = None
    idempotent.run("alice", "k-b", body, LambdaContext())
    stored = reader.get_with_messages("alice", conversation_id, 10)
    assert [(m.seq, m.content, m.status) for m in stored.messages] == [
        (1, "one", "ok"),
        (2, first.body.reply.content, "ok"),  # type: ignore[union-attr]
        (3, "two", "ok"),
        (4, stored.messages[3].content, "ok"),
    ]
    assert stored.message_count == 4
    # the rerun answered as the conversation's own agent
    assert model.prompts[-1][0].content == resolve_agent("coder").system_prompt


def test_a_replay_after_the_conversation_was_deleted_is_not_found(
    idempotent: IdempotentChat, repo: DynamoChatRepository
) -> None:
    first = idempotent.run("alice", "key-4", ChatRequest(message="secret"), LambdaContext())
    conversation = repo.get_conversation("alice", first.body.conversation_id)
    assert conversation is not None
    repo.delete_conversation("alice", conversation, 1, 2)
    with pytest.raises(NotFound):
        idempotent.run("alice", "key-4", ChatRequest(message="secret"), LambdaContext())


def test_a_replayed_202_after_the_user_moved_on_stores_nothing_new(
    idempotent: IdempotentChat, turn: InProcessTurn, reader: ConversationReader, model: FakeModel
) -> None:
    """A streamed turn failed after its 202; the user then wrote something else. Resending
    the first request must answer what it answered, not store its text again."""

    first = idempotent.run("alice", "k-s", ChatRequest(message="one"), LambdaContext())
    conversation_id = first.body.conversation_id
    model.fail_with = "down"
    streamed = ChatRequest(message="two", conversation_id=conversation_id, stream=True)
    accepted = idempotent.run("alice", "k-t", streamed, LambdaContext())
    assert accepted.status_code == 202
    eventually(  # the turn fails on its worker thread
        lambda: reader.get_with_messages("alice", conversation_id, 10).messages[-1].status
        == "failed",
        "the streamed turn failed",
    )
    model.fail_with = None
    turn.run("alice", ChatRequest(message="three", conversation_id=conversation_id))
    for _ in range(3):
        again = idempotent.run("alice", "k-t", streamed, LambdaContext())
        assert again == accepted
    contents = [m.content for m in reader.get_with_messages("alice", conversation_id, 20).messages]
    assert contents.count("two") == 1


def test_a_retry_after_the_cap_archived_the_conversation_goes_through_the_cap(
    idempotent: IdempotentChat,
    turn: InProcessTurn,
    repo: DynamoChatRepository,
    model: FakeModel,
    settings: Settings,
    clock: ManualClock,
) -> None:
    """No rerun in an archived conversation: the retry is an ordinary turn (here it starts a
    conversation, as the request named none), and the cap's counts stay exact."""
    from chat_core.services.stats import read_stats

    model.fail_with = "down"
    with pytest.raises(AgentUnavailable) as failed:
        idempotent.run("alice", "k-arch", ChatRequest(message="hello"), LambdaContext())
    conversation_id = str(failed.value.extra["conversation_id"])
    model.fail_with = None
    for number in range(settings.max_active_conversations):
        clock.advance(10)  # conversations started after it
        turn.run("alice", ChatRequest(message=f"newer {number}"))
    archived = repo.get_conversation("alice", conversation_id)
    assert archived is not None and archived.status == "archived"
    retried = idempotent.run("alice", "k-arch", ChatRequest(message="hello"), LambdaContext())
    assert retried.status_code == 201  # an ordinary new turn: it started a conversation
    stats = read_stats(repo, "alice")
    active = repo.active_conversations("alice", "general", 10)
    assert stats.conversations.active == len(active) == settings.max_active_conversations


def test_a_replayed_202_whose_turn_failed_runs_again_on_the_stored_message(
    idempotent: IdempotentChat, reader: ConversationReader, model: FakeModel
) -> None:
    """The streamed turn failed after its 202 was remembered; sending the same request
    again (the user's Retry) answers the stored message, without a second copy of it."""

    coder = ChatRequest(message="one", agent_type="coder")
    first = idempotent.run("alice", "k-1", coder, LambdaContext())
    conversation_id = first.body.conversation_id
    model.fail_with = "down"
    streamed = ChatRequest(message="two", conversation_id=conversation_id, stream=True)
    accepted = idempotent.run("alice", "k-2", streamed, LambdaContext())

    def last_status() -> str:
        return reader.get_with_messages("alice", conversation_id, 10).messages[-1].status

    eventually(lambda: last_status() == "failed", "the streamed turn failed")
    model.fail_with = None
    rerun = idempotent.run("alice", "k-2", streamed, LambdaContext())
    assert rerun.status_code == 202
    assert rerun.body.turn_id != accepted.body.turn_id  # type: ignore[union-attr]
    assert rerun.body.user_message == accepted.body.user_message
    eventually(  # the rerun answers on its worker thread
        lambda: len(reader.get_with_messages("alice", conversation_id, 10).messages) == 4,
        "the rerun's reply stored",
    )
    messages = reader.get_with_messages("alice", conversation_id, 10).messages
    assert [(m.seq, m.content, m.status) for m in messages][2:] == [
        (3, "two", "ok"),
        (4, messages[3].content, "ok"),
    ]
    assert messages[3].role == "assistant"
    # the rerun answered as the conversation's own agent
    assert model.prompts[-1][0].content == resolve_agent("coder").system_prompt
