"""A model key that cannot be read (secret missing, access denied, decrypt denied) is a 503
that keeps the user's message and frees the conversation, like any model failure."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from chat_core.agent.model import OpenAIChatModel
from chat_core.errors import AgentUnavailable
from chat_core.models import ChatRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.settings import Settings
from tests.support.turns import InProcessTurn


@pytest.mark.parametrize(
    "code", ["ResourceNotFoundException", "AccessDeniedException", "DecryptionFailure"]
)
def test_an_unreadable_key_is_a_503_that_keeps_the_message(
    repo: DynamoChatRepository, monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    def get_secret(name: str, **_: Any) -> str:
        raise ClientError({"Error": {"Code": code, "Message": "no"}}, "GetSecretValue")

    monkeypatch.setattr(
        "aws_lambda_powertools.utilities.parameters.get_secret", get_secret, raising=True
    )
    settings = Settings(table_name="chat-unit", openai_secret_id="chat-backend/openai-api-key")
    turn = InProcessTurn(repo, OpenAIChatModel(settings), settings)
    with pytest.raises(AgentUnavailable) as failed:
        turn.run("alice", ChatRequest(message="hello"))
    assert code in str(failed.value.extra["reason"])
    conversation_id = str(failed.value.extra["conversation_id"])
    conversation = repo.get_conversation("alice", conversation_id)
    assert conversation is not None and conversation.turn_id is None  # the lease is free
    messages = repo.latest_messages("alice", conversation_id, 10)
    assert [(m.content, m.status) for m in messages] == [("hello", "failed")]
