"""Unit tests run the real services and repository on moto's DynamoDB."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from functools import cache
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.services.conversation_reader import ConversationReader
from chat_core.services.conversations import ConversationService
from chat_core.services.pagination import CursorCodec
from chat_core.settings import Settings
from tests.support.fakes import FakeModel, ManualClock
from tests.support.template import create_tables
from tests.support.turns import InProcessTurn

TABLE = "chat-unit"
IDEMPOTENCY_TABLE = "idempotency-unit"


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@cache
def _moto_client() -> tuple[Any, Any]:
    """One client per process, and its event hooks as they were when it was made.

    Building a boto3 client costs ~0.1 s (its service model), about half of a moto
    test's run. moto intercepts every client while a mock is active and empties its
    backends when the mock stops, so each test still starts with no tables; the hooks
    are reset per test so a meter or fault one test registers never reaches the next.
    """
    client = boto3.client("dynamodb", region_name="us-east-1")
    return client, copy.copy(client.meta.events)


@pytest.fixture
def dynamodb() -> Iterator[object]:
    with mock_aws():
        client, pristine_events = _moto_client()
        client.meta.events = copy.copy(pristine_events)
        create_tables(client, {"ChatTable": TABLE, "IdempotencyTable": IDEMPOTENCY_TABLE})
        yield client


@pytest.fixture
def repo(dynamodb: object) -> DynamoChatRepository:
    return DynamoChatRepository(TABLE, client=dynamodb)


@pytest.fixture
def settings() -> Settings:
    return Settings(table_name=TABLE, max_active_conversations=3, max_messages_per_conversation=12)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def model() -> FakeModel:
    return FakeModel()


@pytest.fixture
def turn(
    repo: DynamoChatRepository, model: FakeModel, settings: Settings, clock: ManualClock
) -> InProcessTurn:
    return InProcessTurn(repo, model, settings, clock=clock)


@pytest.fixture
def reader(
    repo: DynamoChatRepository, settings: Settings, clock: ManualClock
) -> ConversationReader:
    return ConversationReader(repo, CursorCodec(settings.cursor_signing_key), clock=clock)


@pytest.fixture
def conversations(
    repo: DynamoChatRepository, settings: Settings, clock: ManualClock
) -> ConversationService:
    return ConversationService(
        repo, CursorCodec(settings.cursor_signing_key), settings, clock=clock
    )
