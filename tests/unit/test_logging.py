"""Logs say what happened without what was said, unless LOG_MESSAGE_CONTENT allows it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from chat_core.models import ChatRequest
from chat_core.observability import logger
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.services.chat import ChatTurn
from chat_core.settings import Settings
from tests.support.fakes import FakeModel, ManualClock


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logged() -> Iterator[list[logging.LogRecord]]:
    handler = Collect()
    logger._logger.addHandler(handler)
    yield handler.records
    logger._logger.removeHandler(handler)


@pytest.mark.parametrize("allowed", [False, True])
def test_message_text_is_logged_only_when_allowed(
    repo: DynamoChatRepository, clock: ManualClock, logged: list[logging.LogRecord], allowed: bool
) -> None:
    turn = ChatTurn(
        repo,
        FakeModel(),
        Settings(table_name="chat-unit", log_message_content=allowed),
        clock=clock,
    )
    turn.run("alice", ChatRequest(message="my secret plans"))
    stored = [r for r in logged if r.getMessage() == "turn stored"]
    assert len(stored) == 1
    assert stored[0].__dict__["seq"] == 2 and stored[0].__dict__["prompt_tokens"] > 0
    text = " ".join(str(v) for v in stored[0].__dict__.values())
    assert ("my secret plans" in text) is allowed
