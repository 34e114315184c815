"""Idempotent turns: a retried request never runs or stores a second turn."""

from __future__ import annotations

import pytest

from chat_core.errors import AgentUnavailable, IdempotencyKeyReused
from chat_core.models import ChatRequest
from chat_core.services.chat import ChatTurn
from chat_core.services.conversations import ConversationReader
from chat_core.services.idempotent_chat import IdempotentChat
from chat_core.settings import Settings
from tests.support.events import LambdaContext
from tests.support.fakes import FakeModel
from tests.unit.conftest import IDEMPOTENCY_TABLE


@pytest.fixture
def idempotent(turn: ChatTurn, settings: Settings) -> IdempotentChat:
    return IdempotentChat(
        turn, settings.model_copy(update={"idempotency_table_name": IDEMPOTENCY_TABLE})
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
    assert retried.status_code == 201
