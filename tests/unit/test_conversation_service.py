"""The sidebar services on moto: create, list, rename, delete, stats, the cap."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chat_core.errors import Forbidden, InvalidCursor, NotFound, UnknownAgentType
from chat_core.models import ChatRequest, CreateConversationRequest, UpdateConversationRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.services.conversation_reader import ConversationReader
from chat_core.services.conversations import ConversationService
from chat_core.services.stats import read_stats
from chat_core.settings import Settings
from tests.support.fakes import ManualClock
from tests.support.turns import InProcessTurn


def create(
    conversations: ConversationService, clock: ManualClock, sub: str = "alice", **fields: object
) -> str:
    clock.advance(1000)
    return conversations.create(sub, CreateConversationRequest.model_validate(fields)).id


def test_create_defaults_and_metadata(
    conversations: ConversationService, clock: ManualClock
) -> None:
    clock.advance(1)
    created = conversations.create("alice", CreateConversationRequest(metadata={"project": "x"}))
    assert (created.title, created.agent_type, created.status, created.message_count) == (
        "New conversation",
        "general",
        "active",
        0,
    )
    assert created.last_message_at is None and created.metadata == {"project": "x"}
    with pytest.raises(UnknownAgentType):
        conversations.create("alice", CreateConversationRequest(agent_type="pirate"))


@pytest.mark.parametrize(
    "fields",
    [
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 201},
        {"metadata": {f"k{i}": "v" for i in range(17)}},
        {"metadata": {"k" * 65: "v"}},
        {"metadata": {"k": "v" * 513}},
        {"metadata": {"k": 1}},
        {"colour": "red"},
    ],
)
def test_bad_create_requests_are_rejected(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        CreateConversationRequest.model_validate(fields)


def test_update_needs_something_to_change() -> None:
    with pytest.raises(ValidationError):
        UpdateConversationRequest.model_validate({})


def test_list_pages_most_recent_first_without_gaps_or_repeats(
    conversations: ConversationService, clock: ManualClock, settings: Settings
) -> None:
    relaxed = ConversationService(
        conversations._repo,
        conversations._cursors,
        Settings(table_name="chat-unit", max_active_conversations=100),
        clock=clock,
    )
    ids = [create(relaxed, clock, title=f"c{i}") for i in range(23)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = relaxed.list("alice", status="active", agent_type=None, limit=5, cursor=cursor)
        pages += 1
        seen += [c.id for c in page.items]
        if pages == 2:  # a rename while paging changes nothing in the order
            relaxed.update("alice", ids[0], UpdateConversationRequest(title="renamed"))
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    assert pages == 5
    with pytest.raises(InvalidCursor):
        relaxed.list(
            "bob",
            status="active",
            agent_type=None,
            limit=5,
            cursor=relaxed.list(
                "alice", status="active", agent_type=None, limit=5, cursor=None
            ).next_cursor,
        )
    with pytest.raises(InvalidCursor):
        relaxed.list(
            "alice",
            status="archived",
            agent_type=None,
            limit=5,
            cursor=relaxed.list(
                "alice", status="active", agent_type=None, limit=5, cursor=None
            ).next_cursor,
        )


def test_cap_archives_the_least_recently_active_and_it_stays_listed(
    conversations: ConversationService, clock: ManualClock, settings: Settings
) -> None:
    ids = [create(conversations, clock) for _ in range(settings.max_active_conversations + 2)]
    active = conversations.list("alice", status="active", agent_type=None, limit=50, cursor=None)
    archived = conversations.list(
        "alice", status="archived", agent_type=None, limit=50, cursor=None
    )
    assert [c.id for c in active.items] == list(reversed(ids[2:]))
    assert [c.id for c in archived.items] == [ids[1], ids[0]]
    assert all(c.status == "archived" for c in archived.items)
    coder = create(conversations, clock, agent_type="coder")
    by_agent = conversations.list(
        "alice", status="active", agent_type="coder", limit=50, cursor=None
    )
    assert [c.id for c in by_agent.items] == [coder]


def test_rename_and_metadata(conversations: ConversationService, clock: ManualClock) -> None:
    conversation_id = create(conversations, clock)
    renamed = conversations.update(
        "alice",
        conversation_id,
        UpdateConversationRequest(title="Trip to Rome", metadata={"tag": "travel"}),
    )
    assert (renamed.title, renamed.metadata) == ("Trip to Rome", {"tag": "travel"})
    with pytest.raises(Forbidden):
        conversations.update(
            "mallory", conversation_id, UpdateConversationRequest(title="mine now")
        )
    with pytest.raises(NotFound):
        conversations.update(
            "alice", "00000000-0000-4000-8000-000000000000", UpdateConversationRequest(title="x")
        )


def test_delete_hides_the_conversation_and_its_messages_at_once(
    conversations: ConversationService,
    turn: InProcessTurn,
    reader: ConversationReader,
    clock: ManualClock,
    repo: DynamoChatRepository,
) -> None:
    conversation_id = turn.run("alice", ChatRequest(message="hello")).response.conversation_id
    with pytest.raises(Forbidden):
        conversations.delete("mallory", conversation_id)
    conversations.delete("alice", conversation_id)
    for attempt in (
        lambda: reader.get_with_messages("alice", conversation_id, 10),
        lambda: reader.page_messages("alice", conversation_id, limit=10, order="asc", cursor=None),
        lambda: conversations.update(
            "alice", conversation_id, UpdateConversationRequest(title="x")
        ),
        lambda: conversations.delete("alice", conversation_id),
        lambda: turn.run(
            "alice", ChatRequest(message="still there?", conversation_id=conversation_id)
        ),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert (
        conversations.list("alice", status="active", agent_type=None, limit=10, cursor=None).items
        == []
    )
    assert repo.purge_messages("alice", conversation_id) == 2


def test_stats_follow_turns_archives_and_deletes(
    conversations: ConversationService,
    turn: InProcessTurn,
    repo: DynamoChatRepository,
    clock: ManualClock,
    settings: Settings,
) -> None:
    first = turn.run("alice", ChatRequest(message="hi")).response
    clock.advance(10)
    turn.run("alice", ChatRequest(message="again", conversation_id=first.conversation_id))
    for _ in range(settings.max_active_conversations):
        create(conversations, clock)
    create(conversations, clock, agent_type="coder")
    stats = read_stats(repo, "alice")
    assert stats.conversations.active == settings.max_active_conversations + 1
    assert stats.conversations.archived == 1
    assert stats.conversations.by_agent_type == {
        "general": settings.max_active_conversations + 1,
        "coder": 1,
    }
    assert stats.messages == 4
    assert stats.tokens.prompt > 0 and stats.tokens.completion == 14
    conversations.delete("alice", first.conversation_id)
    after = read_stats(repo, "alice")
    assert (after.conversations.archived, after.messages) == (0, 0)
    assert after.conversations.by_agent_type == {
        "general": settings.max_active_conversations,
        "coder": 1,
    }
    assert after.tokens == stats.tokens  # spent tokens stay spent
    assert read_stats(repo, "nobody").messages == 0


def test_purge_after_ttl_deletes_the_messages(
    turn: InProcessTurn, repo: DynamoChatRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chat_core import wiring
    from tests.support.events import LambdaContext, load_handler

    conversation_id = turn.run("alice", ChatRequest(message="forget me")).response.conversation_id
    monkeypatch.setattr(wiring, "repository", lambda: repo)
    handler = load_handler("purge_conversation")
    record = {
        "eventName": "REMOVE",
        "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"},
        "dynamodb": {"Keys": {"PK": {"S": "USER#alice"}, "SK": {"S": f"CONV#{conversation_id}"}}},
    }
    assert handler.lambda_handler({"Records": [record]}, LambdaContext()) == {"purged_messages": 2}
    assert repo.latest_messages("alice", conversation_id, 10) == []
