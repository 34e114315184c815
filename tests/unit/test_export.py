"""A conversation's export: every message once, in order, in parts a Lambda can answer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chat_core.errors import AgentUnavailable, Forbidden, InvalidCursor, NotFound
from chat_core.models import (
    ChatRequest,
    Conversation,
    CreateConversationRequest,
    ExportFormat,
    Message,
)
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.services.conversation_reader import ConversationReader
from chat_core.services.conversations import ConversationService
from chat_core.services.export import EXPORT_PART_MESSAGES, export_page, filename
from chat_core.services.pagination import CursorCodec
from chat_core.settings import Settings
from tests.support.dynamo_meter import DynamoMeter
from tests.support.fakes import FakeModel, ManualClock
from tests.support.seeding import seed_history
from tests.support.turns import InProcessTurn


@pytest.fixture
def exporter(repo: DynamoChatRepository, settings: Settings, clock: ManualClock) -> Any:
    return ConversationReader(repo, CursorCodec(settings.cursor_signing_key), clock=clock)


def every_part(
    exporter: ConversationReader, conversation_id: str, export_format: ExportFormat
) -> list[Any]:
    parts, cursor = [], None
    while True:
        part = exporter.export_part("alice", conversation_id, export_format, cursor)
        parts.append(part)
        cursor = part.next_cursor
        if cursor is None:
            return parts


def test_a_long_conversation_exports_in_parts_that_join_into_every_message_once(
    dynamodb: Any, repo: DynamoChatRepository, exporter: ConversationReader, clock: ManualClock
) -> None:
    turn = InProcessTurn(
        repo,
        FakeModel(),
        Settings(table_name="chat-unit", max_messages_per_conversation=1000),
        clock=clock,
    )
    conversation_id = turn.run(
        "alice", ChatRequest(message="Plan a trip: Lyon / Turin")
    ).response.conversation_id
    seed_history(dynamodb, conversation_id, after=2, up_to=450, now=clock())

    meter = DynamoMeter().attach(dynamodb)
    parts = every_part(exporter, conversation_id, "json")
    assert len(parts) == 3 and meter.operations == {"GetItem": 3, "Query": 3}  # per part: 2
    seqs = [m.seq for part in parts for m in part.messages]
    assert seqs == list(range(1, 451))
    assert all(len(part.messages) <= EXPORT_PART_MESSAGES for part in parts)
    assert {part.filename for part in parts} == {
        f"plan-a-trip-lyon-turin-{conversation_id[:8]}.json"
    }
    document = {"conversation": parts[-1].conversation.model_dump(), "messages": seqs}
    json.dumps(document)  # what the UI writes: plain JSON

    markdown = "".join(
        part.markdown or "" for part in every_part(exporter, conversation_id, "markdown")
    )
    assert markdown.startswith("# Plan a trip: Lyon / Turin\n\n- agent: general\n")
    assert markdown.count("\n## ") == 450 and markdown.count("# Plan a trip") == 1
    assert markdown.index("#1\n\nPlan a trip: Lyon / Turin") < markdown.index(" · #2\n")
    assert markdown.index(" · #449\n") < markdown.index(" · #450\n")
    assert "## Assistant · " in markdown and "## You · " in markdown


def test_a_failed_message_says_so_and_metadata_is_listed(
    repo: DynamoChatRepository,
    exporter: ConversationReader,
    conversations: ConversationService,
    clock: ManualClock,
) -> None:
    created = conversations.create(
        "alice", CreateConversationRequest(title="Atlas", metadata={"project": "atlas"})
    )
    failing = InProcessTurn(
        repo, FakeModel(fail_with="down"), Settings(table_name="chat-unit"), clock=clock
    )
    with pytest.raises(AgentUnavailable):  # the message is kept, as failed
        failing.run("alice", ChatRequest(message="hello?", conversation_id=created.id))
    (part,) = every_part(exporter, created.id, "markdown")
    assert "- project: atlas\n" in (part.markdown or "")
    assert "#1 (not answered)\n\nhello?" in (part.markdown or "")


def test_only_the_owner_exports_and_a_cursor_binds_its_format(
    repo: DynamoChatRepository, exporter: ConversationReader, turn: InProcessTurn
) -> None:
    conversation_id = turn.run("alice", ChatRequest(message="mine")).response.conversation_id
    with pytest.raises(Forbidden):
        exporter.export_part("mallory", conversation_id, "json", None)
    with pytest.raises(NotFound):
        exporter.export_part("alice", "00000000-0000-4000-8000-00000000dead", "json", None)
    codec = CursorCodec(Settings(table_name="chat-unit").cursor_signing_key)
    json_cursor = codec.encode(
        {"PK": f"USER#alice#CONV#{conversation_id}", "SK": "MSG#0000000001"},
        f"export|alice|{conversation_id}|json",
    )
    with pytest.raises(InvalidCursor):
        exporter.export_part("alice", conversation_id, "markdown", json_cursor)
    with pytest.raises(InvalidCursor):
        exporter.export_part("mallory", conversation_id, "json", json_cursor)


def _conversation(title: str) -> Conversation:
    return Conversation(
        id="3f2b8c1e-2a4d-4c6e-9f10-1234567890ab",
        title=title,
        agent_type="general",
        status="active",
        created_at="2026-11-29T08:00:00.000Z",
        updated_at="2026-11-29T08:00:00.000Z",
        last_message_at=None,
        message_count=1,
    )


@pytest.mark.parametrize(
    ("title", "export_format", "name"),
    [
        ("Packing list: Lyon!", "markdown", "packing-list-lyon-3f2b8c1e.md"),
        ("¡Hola, Zoë!", "json", "hola-zo-3f2b8c1e.json"),
        ("!!!", "markdown", "conversation-3f2b8c1e.md"),
        ("a" * 70, "json", "a" * 60 + "-3f2b8c1e.json"),
    ],
)
def test_the_file_name_is_the_title_as_a_slug_and_the_id_s_start(
    title: str, export_format: ExportFormat, name: str
) -> None:
    assert filename(_conversation(title), export_format) == name


def test_a_part_carries_its_messages_in_one_form_only() -> None:
    message = Message(
        id="m1",
        conversation_id="3f2b8c1e-2a4d-4c6e-9f10-1234567890ab",
        seq=1,
        role="system",
        content="Be brief.",
        created_at="2026-11-29T08:00:00.000Z",
    )
    as_json = export_page(_conversation("t"), [message], "json", first=True, next_cursor=None)
    assert as_json.markdown is None and as_json.messages == [message]
    assert as_json.filename.endswith(".json")
    as_markdown = export_page(
        _conversation("t"), [message], "markdown", first=False, next_cursor="c"
    )
    assert as_markdown.messages == [] and as_markdown.next_cursor == "c"
    assert as_markdown.filename.endswith(".md")
    assert as_markdown.markdown == "## System · 2026-11-29T08:00:00.000Z · #1\n\nBe brief.\n\n"


def test_an_export_made_while_a_reply_is_written_says_so(
    repo: DynamoChatRepository, exporter: ConversationReader, clock: ManualClock
) -> None:
    turn = InProcessTurn(repo, FakeModel(), Settings(table_name="chat-unit"), clock=clock)
    started = turn.start("alice", ChatRequest(message="Notes"))  # claimed, not answered
    part = exporter.export_part("alice", started.claim.conversation.id, "json", None)
    assert part.conversation.live_turn is not None
    assert part.conversation.live_turn.user_message_seq == 1
