"""Title search: folded (case, accents, compatibility forms), prefix and infix, across
active and archived, paged, and never reading another user's conversations."""

from __future__ import annotations

from typing import Any

import pytest

from chat_core.errors import InvalidCursor
from chat_core.models import ChatRequest, CreateConversationRequest, UpdateConversationRequest
from chat_core.repository import conversation_store
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.services.conversations import ConversationService
from chat_core.services.pagination import CursorCodec
from chat_core.services.search import ConversationSearch, fold
from chat_core.settings import Settings
from tests.support.dynamo_meter import DynamoMeter
from tests.support.fakes import FakeModel, ManualClock
from tests.support.turns import InProcessTurn


@pytest.fixture
def many(repo: DynamoChatRepository, clock: ManualClock) -> ConversationService:
    settings = Settings(table_name="chat-unit", max_active_conversations=500)
    return ConversationService(
        repo, CursorCodec(settings.cursor_signing_key), settings, clock=clock
    )


@pytest.fixture
def search(repo: DynamoChatRepository, settings: Settings, clock: ManualClock) -> Any:
    return ConversationSearch(repo, CursorCodec(settings.cursor_signing_key), clock=clock)


def create(service: ConversationService, clock: ManualClock, title: str, sub: str = "alice") -> str:
    clock.advance(1)
    return service.create(sub, CreateConversationRequest(title=title)).id


def titles(search: ConversationSearch, query: str, sub: str = "alice") -> list[str]:
    return [c.title for c in search.search(sub, query, limit=100, cursor=None).items]


def test_the_query_is_folded_like_the_titles() -> None:
    assert fold("  Café  au LAIT ") == "cafe au lait"
    assert fold("Straße") == "strasse"
    assert fold("ﬁnal Ｒｅｐｏｒｔ") == "final report"  # ligature and full-width letters


def test_search_finds_prefixes_and_infixes_ignoring_case_and_accents(
    many: ConversationService, search: ConversationSearch, clock: ManualClock
) -> None:
    for title in ("Café in Lyon", "Trip to TURIN", "Crème brûlée recipe", "Straße names"):
        create(many, clock, title)
    create(many, clock, "Café for someone else", sub="bob")
    assert titles(search, "cafe") == ["Café in Lyon"]  # and not bob's
    assert titles(search, "CRE") == ["Crème brûlée recipe"]  # prefix, accent folded
    assert titles(search, "rulee") == ["Crème brûlée recipe"]  # infix
    assert titles(search, "strasse") == ["Straße names"]
    assert titles(search, "turin trip") == ["Trip to TURIN"]  # every word, any order
    assert titles(search, "lyon turin") == []
    assert titles(search, "\u00a8") == []  # folds to nothing: matches nothing


def test_active_matches_come_first_then_archived_each_most_recent_first(
    many: ConversationService, search: ConversationSearch, clock: ManualClock
) -> None:
    old_note = create(many, clock, "note: old")
    create(many, clock, "note: middle")
    create(many, clock, "note: new")
    clock.advance(1)
    many.update("alice", old_note, UpdateConversationRequest(status="archived"))
    assert titles(search, "note") == ["note: new", "note: middle", "note: old"]
    archived_first = create(many, clock, "note: newest but archived")
    clock.advance(1)
    many.update("alice", archived_first, UpdateConversationRequest(status="archived"))
    assert titles(search, "note")[-2:] == ["note: newest but archived", "note: old"]
    many.delete("alice", old_note)
    assert "note: old" not in titles(search, "note")


def test_pages_cover_every_match_once_across_both_statuses(
    many: ConversationService, search: ConversationSearch, clock: ManualClock
) -> None:
    ids = [create(many, clock, f"Plan {n}" if n % 3 else f"Other {n}") for n in range(30)]
    for archived in ids[:10]:
        many.update("alice", archived, UpdateConversationRequest(status="archived"))
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = search.search("alice", "plan", limit=4, cursor=cursor)
        pages += 1
        seen += [c.title for c in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(f"Plan {n}" for n in range(30) if n % 3)
    assert len(seen) == len(set(seen)) == 20 and pages == 5  # no empty last page
    with pytest.raises(InvalidCursor):  # a cursor is bound to its query
        first = search.search("alice", "plan", limit=4, cursor=None)
        search.search("alice", "other", limit=4, cursor=first.next_cursor)


def test_a_search_reads_a_bounded_number_of_conversations_per_request(
    dynamodb: Any,
    many: ConversationService,
    search: ConversationSearch,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With many conversations and few matches, one request stops after its budget and
    hands out a cursor: its cost stays flat, and following the cursor finds the rest."""
    monkeypatch.setattr(conversation_store, "_SEARCH_BATCH", 5)
    monkeypatch.setattr(conversation_store, "_SEARCH_EXAMINED", 10)
    create(many, clock, "needle one")
    for n in range(20):
        create(many, clock, f"hay {n}")
    create(many, clock, "needle two")  # the most recent
    meter = DynamoMeter().attach(dynamodb)
    first = search.search("alice", "needle", limit=10, cursor=None)
    assert [c.title for c in first.items] == ["needle two"]
    assert first.next_cursor is not None and meter.operations == {"Query": 2}
    found = [c.title for c in first.items]
    cursor: str | None = first.next_cursor
    while cursor:
        page = search.search("alice", "needle", limit=10, cursor=cursor)
        found += [c.title for c in page.items]
        cursor = page.next_cursor
    assert found == ["needle two", "needle one"]


def test_a_deleted_conversation_keyed_by_the_upgrade_s_migration_is_never_found(
    dynamodb: Any, many: ConversationService, search: ConversationSearch, clock: ManualClock
) -> None:
    """The listing index drops a conversation when it is deleted; one stored with the
    local-index layout may hold the key for a moment while the migration runs (docs/deploy.md):
    the search skips it as the list does."""
    gone = create(many, clock, "Plan gone")
    create(many, clock, "Plan kept")
    many.delete("alice", gone)
    dynamodb.update_item(
        TableName="chat-unit",
        Key={"PK": {"S": "USER#alice"}, "SK": {"S": f"CONV#{gone}"}},
        UpdateExpression="SET ActivitySK = :key",
        ExpressionAttributeValues={":key": {"S": f"active#9999999999999#{gone}"}},
    )
    assert titles(search, "plan") == ["Plan kept"]


def test_a_conversation_whose_reply_is_being_written_is_found_as_such(
    repo: DynamoChatRepository, settings: Settings, clock: ManualClock, search: ConversationSearch
) -> None:
    turn = InProcessTurn(repo, FakeModel(), settings, clock=clock)
    started = turn.start("alice", ChatRequest(message="Plan the week"))  # claimed, not answered
    (found,) = search.search("alice", "plan", limit=5, cursor=None).items
    assert found.live_turn is not None and found.live_turn.turn_id == started.claim.turn_id


def test_one_request_reads_exactly_its_budget_of_conversations(
    many: ConversationService,
    search: ConversationSearch,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(conversation_store, "_SEARCH_BATCH", 5)
    monkeypatch.setattr(conversation_store, "_SEARCH_EXAMINED", 10)
    create(many, clock, "needle one")  # the 10th most recent: the budget's last
    for n in range(8):
        create(many, clock, f"hay {n}")
    create(many, clock, "needle two")
    first = search.search("alice", "needle", limit=10, cursor=None)
    assert [c.title for c in first.items] == ["needle two", "needle one"]
