"""Archive and unarchive at the user's request (PATCH status): lists, counters, the cap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from chat_core.errors import ConversationBusy, Forbidden, NotFound
from chat_core.models import ChatRequest, UpdateConversationRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.services.conversation_reader import ConversationReader
from chat_core.services.conversations import ConversationService
from chat_core.services.pagination import CursorCodec
from chat_core.services.stats import read_stats
from chat_core.settings import Settings
from tests.support.fakes import FakeModel, LaggingIndex, ManualClock, RepositoryWith
from tests.support.turns import InProcessTurn
from tests.unit.test_claim_refusals import Interleaved


def listed(conversations: ConversationService, status: str) -> list[str]:
    page = conversations.list("alice", status=status, agent_type=None, limit=50, cursor=None)  # type: ignore[arg-type]
    return [c.title for c in page.items]


def chats(turn: InProcessTurn, clock: ManualClock, *titles: str) -> dict[str, str]:
    ids = {}
    for title in titles:
        clock.advance(10)
        ids[title] = turn.run("alice", ChatRequest(message=title)).response.conversation_id
    return ids


def test_archive_and_unarchive_move_the_conversation_and_its_counts(
    turn: InProcessTurn,
    conversations: ConversationService,
    repo: DynamoChatRepository,
    clock: ManualClock,
) -> None:
    ids = chats(turn, clock, "trip", "work")
    archived = conversations.update(
        "alice", ids["trip"], UpdateConversationRequest(status="archived")
    )
    assert archived.status == "archived"
    assert (listed(conversations, "active"), listed(conversations, "archived")) == (
        ["work"],
        ["trip"],
    )
    stats = read_stats(repo, "alice")
    assert (stats.conversations.active, stats.conversations.archived) == (1, 1)
    again = conversations.update("alice", ids["trip"], UpdateConversationRequest(status="archived"))
    assert again.status == "archived"  # already so: nothing moves twice
    assert read_stats(repo, "alice").conversations.archived == 1
    back = conversations.update("alice", ids["trip"], UpdateConversationRequest(status="active"))
    assert back.status == "active"
    assert listed(conversations, "active") == ["work", "trip"]  # by its own last activity
    stats = read_stats(repo, "alice")
    assert (stats.conversations.active, stats.conversations.archived) == (2, 0)
    assert stats.conversations.by_agent_type == {"general": 2}


def archived_at_the_cap(
    turn: InProcessTurn, conversations: ConversationService, clock: ManualClock
) -> str:
    """ "old" archived, then "a", "b", "c" active (the cap of 3): the id of "old"."""
    ids = chats(turn, clock, "old", "a", "b")
    conversations.update("alice", ids["old"], UpdateConversationRequest(status="archived"))
    chats(turn, clock, "c")
    return ids["old"]


def test_unarchiving_at_the_cap_archives_the_least_recently_active(
    turn: InProcessTurn,
    conversations: ConversationService,
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
) -> None:
    old = archived_at_the_cap(turn, conversations, clock)
    conversations.update("alice", old, UpdateConversationRequest(status="active"))
    assert sorted(listed(conversations, "active")) == ["b", "c", "old"]
    assert listed(conversations, "archived") == ["a"]
    stats = read_stats(repo, "alice")
    assert stats.conversations.active == settings.max_active_conversations
    assert stats.conversations.archived == 1


def test_unarchiving_one_the_index_still_lists_as_active_archives_another(
    turn: InProcessTurn,
    conversations: ConversationService,
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
) -> None:
    # The least recently active of all, and under a cap of its own.
    turn.run("alice", ChatRequest(message="script", agent_type="coder"))
    old = archived_at_the_cap(turn, conversations, clock)
    lagging = ConversationService(
        LaggingIndex(repo, "alice", old),
        CursorCodec(settings.cursor_signing_key),
        settings,
        clock=clock,
    )
    lagging.update("alice", old, UpdateConversationRequest(status="active"))
    assert sorted(listed(conversations, "active")) == ["b", "c", "old", "script"]
    assert listed(conversations, "archived") == ["a"]


def test_a_conversation_cannot_be_archived_while_its_reply_is_written(
    turn: InProcessTurn, conversations: ConversationService, clock: ManualClock
) -> None:
    ids = chats(turn, clock, "busy")
    turn.start("alice", ChatRequest(message="more", conversation_id=ids["busy"]))
    with pytest.raises(ConversationBusy):
        conversations.update("alice", ids["busy"], UpdateConversationRequest(status="archived"))
    assert listed(conversations, "active") == ["busy"]


def test_only_the_owner_archives_and_status_goes_with_a_rename(
    turn: InProcessTurn, conversations: ConversationService, clock: ManualClock
) -> None:
    ids = chats(turn, clock, "mine")
    with pytest.raises(Forbidden):
        conversations.update("bob", ids["mine"], UpdateConversationRequest(status="archived"))
    both = conversations.update(
        "alice", ids["mine"], UpdateConversationRequest(status="archived", title="Trip plans")
    )
    assert (both.status, both.title) == ("archived", "Trip plans")
    with pytest.raises(ValidationError):
        UpdateConversationRequest.model_validate({"status": "deleted"})


def test_stats_of_a_new_user_are_zero_and_a_deleted_agent_type_is_not_listed(
    turn: InProcessTurn,
    conversations: ConversationService,
    repo: DynamoChatRepository,
    clock: ManualClock,
) -> None:
    fresh = read_stats(repo, "nobody-yet")
    assert (fresh.conversations.active, fresh.conversations.archived, fresh.messages) == (0, 0, 0)
    assert (fresh.tokens.prompt, fresh.tokens.completion) == (0, 0)
    assert fresh.conversations.by_agent_type == {}
    ids = chats(turn, clock, "only one")
    conversations.delete("alice", ids["only one"])
    assert read_stats(repo, "alice").conversations.by_agent_type == {}


def test_the_list_and_the_conversation_say_when_it_was_last_active_and_if_it_is_replying(
    turn: InProcessTurn,
    conversations: ConversationService,
    reader: ConversationReader,
    clock: ManualClock,
) -> None:
    ids = chats(turn, clock, "when")
    (listed,) = conversations.list(
        "alice", status="active", agent_type=None, limit=5, cursor=None
    ).items
    assert listed.last_message_at == listed.updated_at  # the reply, the last activity
    started = turn.start("alice", ChatRequest(message="more", conversation_id=ids["when"]))
    opened = reader.get_with_messages("alice", ids["when"], 10)
    assert opened.live_turn is not None and opened.live_turn.turn_id == started.claim.turn_id


class BeforeStatusChange(RepositoryWith):
    """The repository, with something another writer does just before the next change."""

    def __init__(self, repo: DynamoChatRepository) -> None:
        super().__init__(repo)
        self.meanwhile: Callable[[], Any] | None = None

    def change_status(self, *args: Any) -> None:
        meanwhile, self.meanwhile = self.meanwhile, None
        if meanwhile:
            meanwhile()
        self._repo.change_status(*args)


def stale_sidebar(
    conversations: ConversationService,
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
) -> tuple[ConversationService, BeforeStatusChange]:
    interleaved = BeforeStatusChange(repo)
    return ConversationService(
        interleaved, conversations._cursors, settings, clock=clock
    ), interleaved


def test_a_conversation_whose_dead_turn_left_an_expired_lease_can_be_archived(
    turn: InProcessTurn, conversations: ConversationService, settings: Settings, clock: ManualClock
) -> None:
    ids = chats(turn, clock, "crashed")
    turn.start("alice", ChatRequest(message="worker died", conversation_id=ids["crashed"]))
    clock.advance(settings.turn_lease_seconds * 1000 + 1)
    archived = conversations.update(
        "alice", ids["crashed"], UpdateConversationRequest(status="archived")
    )
    assert archived.status == "archived"


def test_archiving_during_a_reply_says_when_to_retry_and_changes_no_dates(
    turn: InProcessTurn, conversations: ConversationService, settings: Settings, clock: ManualClock
) -> None:
    ids = chats(turn, clock, "dates")
    before = conversations.list(
        "alice", status="active", agent_type=None, limit=5, cursor=None
    ).items[0]
    clock.advance(5000)
    after = conversations.update(
        "alice", ids["dates"], UpdateConversationRequest(status="archived")
    )
    assert (after.updated_at, after.last_message_at) == (before.updated_at, before.last_message_at)
    conversations.update("alice", ids["dates"], UpdateConversationRequest(status="active"))
    turn.start("alice", ChatRequest(message="more", conversation_id=ids["dates"]))
    with pytest.raises(ConversationBusy) as busy:
        conversations.update("alice", ids["dates"], UpdateConversationRequest(status="archived"))
    assert busy.value.retry_after == settings.busy_retry_after_seconds


def test_an_unarchive_racing_a_delete_does_not_bring_the_conversation_back(
    turn: InProcessTurn,
    conversations: ConversationService,
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
) -> None:
    ids = chats(turn, clock, "gone")
    conversations.update("alice", ids["gone"], UpdateConversationRequest(status="archived"))
    stale, interleaved = stale_sidebar(conversations, repo, settings, clock)
    interleaved.meanwhile = lambda: conversations.delete("alice", ids["gone"])
    with pytest.raises(NotFound):
        stale.update("alice", ids["gone"], UpdateConversationRequest(status="active"))
    assert listed(conversations, "active") == [] and listed(conversations, "archived") == []
    stats = read_stats(repo, "alice")
    assert (stats.conversations.active, stats.conversations.archived) == (0, 0)


def archived_with_room_for_it(
    turn: InProcessTurn, conversations: ConversationService, clock: ManualClock
) -> str:
    """ "back" archived, "a" and "b" active: 2 of 3, so bringing "back" back plans to
    archive nothing, until a creation lands in between (the races below)."""
    ids = chats(turn, clock, "back", "a")
    conversations.update("alice", ids["back"], UpdateConversationRequest(status="archived"))
    chats(turn, clock, "b")
    return ids["back"]


def test_an_unarchive_racing_a_creation_keeps_the_cap_exact(
    turn: InProcessTurn,
    conversations: ConversationService,
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
) -> None:
    back = archived_with_room_for_it(turn, conversations, clock)
    stale, interleaved = stale_sidebar(conversations, repo, settings, clock)
    interleaved.meanwhile = lambda: chats(turn, clock, "c")  # now 3: the plan is stale
    stale.update("alice", back, UpdateConversationRequest(status="active"))
    assert len(listed(conversations, "active")) == settings.max_active_conversations
    assert read_stats(repo, "alice").conversations.active == settings.max_active_conversations


def test_a_message_in_an_archived_conversation_brings_it_back_and_moves_its_counts(
    turn: InProcessTurn,
    conversations: ConversationService,
    repo: DynamoChatRepository,
    clock: ManualClock,
) -> None:
    ids = chats(turn, clock, "trip", "work")
    conversations.update("alice", ids["trip"], UpdateConversationRequest(status="archived"))
    clock.advance(10)
    turn.run("alice", ChatRequest(message="one more thing", conversation_id=ids["trip"]))
    assert listed(conversations, "active") == ["trip", "work"]  # back, most recent first
    assert listed(conversations, "archived") == []
    stats = read_stats(repo, "alice")
    assert (stats.conversations.active, stats.conversations.archived) == (2, 0)
    assert stats.messages == 6


def test_a_message_bringing_a_conversation_back_racing_a_creation_keeps_the_cap_exact(
    turn: InProcessTurn,
    conversations: ConversationService,
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
) -> None:
    back = archived_with_room_for_it(turn, conversations, clock)
    interleaved = Interleaved(repo)
    racing = InProcessTurn(interleaved, FakeModel(), settings, clock=clock)
    interleaved.before_next_claim = lambda: chats(turn, clock, "c")  # now 3: the plan is stale
    clock.advance(10)
    racing.run("alice", ChatRequest(message="I'm back", conversation_id=back))
    active = listed(conversations, "active")
    assert len(active) == settings.max_active_conversations and "back" in active
    stats = read_stats(repo, "alice")
    assert stats.conversations.active == settings.max_active_conversations
    assert stats.conversations.archived == 1  # "a", the least recently active
    assert listed(conversations, "archived") == ["a"]


def test_a_conversation_coming_back_is_never_its_own_cap_victim() -> None:
    """The listing index is eventually consistent: just after an archive it may still
    list that conversation as active. Unarchiving it must not plan to archive it in the
    same transaction (DynamoDB refuses one item twice: a 500, not a retry)."""
    from chat_core.repository.records import ConversationRecord
    from chat_core.services.active_cap import plan_cap

    def listed(id: str, ms: int) -> ConversationRecord:
        return ConversationRecord.new(
            id=id, sub="alice", title=id, agent_type="general", now=ms, first_message=False
        )

    # Least recently active first, as the index lists them for the cap.
    stale = [listed("oldest", 1), listed("coming-back", 2), listed("newest", 3)]

    class StaleIndex:
        def active_conversations(self, *_: object) -> list[ConversationRecord]:
            return stale

    index: Any = StaleIndex()
    observed, archive = plan_cap(index, "alice", "general", 2, joining="coming-back")
    assert observed == 2  # the two that are active
    assert [c.id for c in archive] == ["oldest"]  # room for the one coming back
