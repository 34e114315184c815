"""Logs say what happened without what was said, unless LOG_MESSAGE_CONTENT allows it."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from chat_core.models import ChatRequest
from chat_core.observability import logger
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.settings import Settings
from tests.support.fakes import FakeModel, ManualClock
from tests.support.turns import InProcessTurn


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
    turn = InProcessTurn(
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


def test_a_stored_turn_logs_what_an_operator_reads(
    repo: DynamoChatRepository, clock: ManualClock, logged: list[logging.LogRecord]
) -> None:
    """The "turn stored" line is what dashboards and alarms read: its fields, named and
    measured as docs/design.md ("Observability") says (times in ms from the turn's start)."""
    model = FakeModel(pause_seconds=0.02, pieces_per_reply=5)
    turn = InProcessTurn(repo, model, Settings(table_name="chat-unit"), clock=clock)
    started = time.monotonic()
    reply = turn.run("alice", ChatRequest(message="hello")).response
    elapsed_ms = (time.monotonic() - started) * 1000
    (line,) = [r.__dict__ for r in logged if r.getMessage() == "turn stored"]
    assert line["conversation_id"] == reply.conversation_id
    assert (line["seq"], line["status"]) == (2, "ok")
    assert line["completion_tokens"] == reply.usage.completion_tokens
    # the model pauses 20 ms before each of its 5 pieces: first text after ~20 ms, all ~100
    assert 15 <= line["first_text_ms"] < line["reply_ms"] <= elapsed_ms
    assert line["reply_ms"] >= 90
    assert line["live_posts"] == 0  # no connection was open
