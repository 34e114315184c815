"""The sidebar's edges: the cap under interleaved writers, paging limits, filters, purge.

Writers are interleaved by hand (tests/unit/test_claim_refusals.py's ``Interleaved``),
so each race happens on every run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from chat_core.errors import AgentUnavailable, InvalidCursor, UnknownAgentType
from chat_core.models import ChatRequest, CreateConversationRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.repository.records import ConversationRecord
from chat_core.services.conversations import ConversationService
from chat_core.services.dispatch import DispatchFailed
from chat_core.services.idempotent_chat import IdempotentChat
from chat_core.services.pagination import CursorCodec
from chat_core.services.turn_runner import StartedTurn, TurnOutcome
from chat_core.settings import Settings
from tests.support.dynamo_meter import DynamoMeter
from tests.support.events import LambdaContext
from tests.support.fakes import FakeModel, ManualClock, RepositoryWith
from tests.support.turns import InProcessTurn
from tests.unit.conftest import IDEMPOTENCY_TABLE


class BeforeCreation(RepositoryWith):
    """The repository, with something another writer does just before the next creation."""

    def __init__(self, repo: DynamoChatRepository) -> None:
        super().__init__(repo)
        self.meanwhile: Callable[[], Any] | None = None

    def create_conversation(
        self, sub: str, conv: ConversationRecord, archive: list[ConversationRecord], seen: int
    ) -> None:
        meanwhile, self.meanwhile = self.meanwhile, None
        if meanwhile:
            meanwhile()
        self._repo.create_conversation(sub, conv, archive, seen)


def new(title: str) -> CreateConversationRequest:
    return CreateConversationRequest(title=title)


def active_titles(conversations: ConversationService) -> list[str]:
    page = conversations.list("alice", status="active", agent_type=None, limit=50, cursor=None)
    return sorted(c.title for c in page.items)


def test_the_cap_holds_when_another_creation_lands_between_the_count_and_the_write(
    repo: DynamoChatRepository,
    conversations: ConversationService,
    settings: Settings,
    clock: ManualClock,
) -> None:
    """Below the cap, nothing is archived, so only the observed count guards the cap."""
    for number in range(settings.max_active_conversations - 1):
        clock.advance(10)
        conversations.create("alice", new(f"c{number}"))
    interleaved = BeforeCreation(repo)
    stale = ConversationService(interleaved, conversations._cursors, settings, clock=clock)
    clock.advance(10)
    interleaved.meanwhile = lambda: conversations.create("alice", new("other tab"))
    stale.create("alice", new("this tab"))
    assert len(active_titles(conversations)) == settings.max_active_conversations
    assert "c0" not in active_titles(conversations)  # the least recently active one went


def test_the_cap_never_archives_a_conversation_whose_reply_is_being_written(
    repo: DynamoChatRepository,
    conversations: ConversationService,
    turn: InProcessTurn,
    settings: Settings,
    clock: ManualClock,
) -> None:
    ids = []
    for number in range(settings.max_active_conversations):
        clock.advance(10)
        ids.append(turn.run("alice", ChatRequest(message=f"c{number}")).response.conversation_id)
    oldest = ids[0]
    interleaved = BeforeCreation(repo)
    stale = ConversationService(interleaved, conversations._cursors, settings, clock=clock)
    interleaved.meanwhile = lambda: turn.start(
        "alice", ChatRequest(message="still talking", conversation_id=oldest)
    )
    stale.create("alice", new("newest"))
    replying = repo.get_conversation("alice", oldest)
    assert replying is not None and replying.status == "active" and replying.turn_id
    assert len(active_titles(conversations)) == settings.max_active_conversations


def test_a_page_that_holds_the_rest_exactly_has_no_next_cursor(
    conversations: ConversationService, settings: Settings, clock: ManualClock
) -> None:
    for number in range(settings.max_active_conversations):
        clock.advance(10)
        conversations.create("alice", new(f"c{number}"))
    page = conversations.list(
        "alice",
        status="active",
        agent_type=None,
        limit=settings.max_active_conversations,
        cursor=None,
    )
    assert len(page.items) == settings.max_active_conversations
    assert page.next_cursor is None


def test_filters_are_checked_and_bind_their_cursors(
    conversations: ConversationService, clock: ManualClock
) -> None:
    for number in range(3):
        clock.advance(10)
        conversations.create("alice", new(f"c{number}"))
    with pytest.raises(UnknownAgentType):
        conversations.list("alice", status="active", agent_type="nope", limit=2, cursor=None)
    filtered = conversations.list(
        "alice", status="active", agent_type="general", limit=2, cursor=None
    )
    assert filtered.next_cursor is not None
    with pytest.raises(InvalidCursor):  # a filtered list's cursor does not page the whole list
        conversations.list(
            "alice", status="active", agent_type=None, limit=2, cursor=filtered.next_cursor
        )
    whole = conversations.list("alice", status="active", agent_type=None, limit=2, cursor=None)
    with pytest.raises(InvalidCursor):  # nor the other way round
        conversations.list(
            "alice", status="active", agent_type="general", limit=2, cursor=whole.next_cursor
        )
    with pytest.raises(InvalidCursor):  # nor one agent type's list another's
        conversations.list(
            "alice", status="active", agent_type="coder", limit=2, cursor=filtered.next_cursor
        )


def test_the_cap_archives_a_conversation_whose_turn_died_with_its_lease(
    repo: DynamoChatRepository,
    conversations: ConversationService,
    settings: Settings,
    clock: ManualClock,
) -> None:
    """A lease that expired (its worker died) does not protect the conversation."""
    turn = InProcessTurn(repo, FakeModel(), settings, clock=clock)
    abandoned = turn.start("alice", ChatRequest(message="left behind"))
    for number in range(settings.max_active_conversations - 1):
        clock.advance(10)
        conversations.create("alice", new(f"c{number}"))
    clock.advance(settings.turn_lease_seconds * 1000 + 1)
    conversations.create("alice", new("one too many"))
    archived = repo.get_conversation("alice", abandoned.claim.conversation.id)
    assert archived is not None and archived.status == "archived"
    assert len(active_titles(conversations)) == settings.max_active_conversations


def test_the_list_says_which_conversation_is_replying(
    conversations: ConversationService, turn: InProcessTurn, settings: Settings, clock: ManualClock
) -> None:
    conversation_id = turn.run("alice", ChatRequest(message="hi")).response.conversation_id
    started = turn.start("alice", ChatRequest(message="more", conversation_id=conversation_id))
    (listed,) = conversations.list(
        "alice", status="active", agent_type=None, limit=5, cursor=None
    ).items
    assert listed.live_turn is not None
    assert (listed.live_turn.turn_id, listed.live_turn.user_message_seq) == (
        started.claim.turn_id,
        3,
    )
    clock.advance(settings.turn_lease_seconds * 1000 + 1)  # its worker died: not replying
    (listed,) = conversations.list(
        "alice", status="active", agent_type=None, limit=5, cursor=None
    ).items
    assert listed.live_turn is None


def test_a_purge_deletes_every_message_in_batches_and_counts_them(
    dynamodb: Any, repo: DynamoChatRepository, model: FakeModel, clock: ManualClock
) -> None:
    long = InProcessTurn(
        repo,
        model,
        Settings(table_name="chat-unit", max_messages_per_conversation=100),
        clock=clock,
    )
    conversation_id = long.run("alice", ChatRequest(message="0")).response.conversation_id
    for number in range(1, 15):
        clock.advance(10)
        long.run("alice", ChatRequest(message=str(number), conversation_id=conversation_id))
    batches: list[int] = []

    def count(params: Any, model: Any, **_: Any) -> None:
        if model.name == "BatchWriteItem":
            batches.append(sum(len(v) for v in params["RequestItems"].values()))

    dynamodb.meta.events.register("before-parameter-build.dynamodb", count)
    assert repo.purge_messages("alice", conversation_id) == 30
    assert batches == [25, 5]  # BatchWriteItem takes 25 requests at most
    assert repo.latest_messages("alice", conversation_id, 50) == []
    assert repo.get_message("alice", conversation_id, 1) is None


def test_the_purge_takes_only_a_conversation_items_keys_from_the_stream(
    repo: DynamoChatRepository,
) -> None:
    assert repo.deleted_conversation_of({"PK": "USER#alice", "SK": "CONV#c-1"}) == ("alice", "c-1")
    for keys in (
        {"PK": "USER#alice", "SK": "STATS"},
        {"PK": "CONV#c-1", "SK": "CONV#c-1"},
        {"PK": "CONV#c-1", "SK": "OWNER"},
    ):
        with pytest.raises(ValueError, match="not a conversation key"):
            repo.deleted_conversation_of(keys)


class Dispatcher:
    """A dispatcher that fails to start the worker, or whose worker outlasts the wait."""

    def __init__(self, fail: bool) -> None:
        self.fail = fail
        self.waited: list[float] = []

    def start(self, started: StartedTurn) -> None:
        raise DispatchFailed("ClientError")

    def wait(self, started: StartedTurn, seconds: float) -> TurnOutcome | None:
        self.waited.append(seconds)
        if self.fail:
            raise DispatchFailed("ClientError")
        return None


def test_a_worker_that_cannot_be_started_keeps_the_message_and_frees_the_conversation(
    repo: DynamoChatRepository, model: FakeModel, settings: Settings, clock: ManualClock
) -> None:
    down = InProcessTurn(repo, model, settings, clock=clock, dispatcher=Dispatcher(fail=True))
    for stream in (False, True):
        with pytest.raises(AgentUnavailable) as unavailable:
            down.submit("alice", ChatRequest(message="hello", stream=stream))
        assert unavailable.value.retry_after == settings.model_retry_after_seconds
        conversation_id = str(unavailable.value.extra["conversation_id"])
        assert unavailable.value.extra["reason"] == "ClientError"
        conversation = repo.get_conversation("alice", conversation_id)
        assert conversation is not None and conversation.turn_id is None  # not busy
        (kept,) = repo.latest_messages("alice", conversation_id, 5)
        assert (kept.content, kept.status) == ("hello", "failed")


def test_a_plain_reply_slower_than_the_wait_answers_202_with_the_stored_message(
    repo: DynamoChatRepository, model: FakeModel, settings: Settings, clock: ManualClock
) -> None:
    slow = Dispatcher(fail=False)
    reply = InProcessTurn(repo, model, settings, clock=clock, dispatcher=slow).submit(
        "alice", ChatRequest(message="hello")
    )
    assert reply.status_code == 202
    assert reply.body.user_message.content == "hello"
    assert slow.waited == [settings.json_reply_wait_seconds]


def test_an_idempotency_record_lives_as_long_as_the_setting_says_and_a_crash_frees_it(
    turn: InProcessTurn, repo: DynamoChatRepository, settings: Settings, dynamodb: Any
) -> None:
    ttl = 7200  # not Powertools' default of an hour
    idempotent = IdempotentChat(
        turn,
        repo,
        settings.model_copy(
            update={"idempotency_table_name": IDEMPOTENCY_TABLE, "idempotency_ttl_seconds": ttl}
        ),
    )
    idempotent.run("alice", "k", ChatRequest(message="hello"), LambdaContext())
    (record,) = dynamodb.scan(TableName=IDEMPOTENCY_TABLE)["Items"]
    assert abs(int(record["expiration"]["N"]) - (time.time() + ttl)) < 60
    # Had the function died mid-turn, the key would be free again when its time was up
    # (the Lambda context's remaining time), not after the record's whole lifetime.
    remaining_ms = LambdaContext().get_remaining_time_in_millis()
    in_progress_until = int(record["in_progress_expiration"]["N"])
    assert abs(in_progress_until - (time.time() * 1000 + remaining_ms)) < 60_000


def test_pages_of_one_agent_type_skip_the_others_and_hold_each_conversation_once(
    dynamodb: Any, repo: DynamoChatRepository, settings: Settings, clock: ManualClock
) -> None:
    """The agent type is a filter on the listing index, not a key: a page of one agent's
    conversations reads past the others', in as many requests as that takes."""
    service = ConversationService(
        repo,
        CursorCodec(settings.cursor_signing_key),
        Settings(table_name=settings.table_name, max_active_conversations=20),
        clock=clock,
    )
    made: dict[str, list[str]] = {"general": [], "coder": []}
    # newest first: coder, coder, coder, general, coder, coder, general, general, coder, ...
    for number, agent_type in enumerate("gcgggccgcccgcc"):
        clock.advance(10)
        kind = "general" if agent_type == "g" else "coder"
        request = CreateConversationRequest(title=f"{kind} {number}", agent_type=kind)
        made[kind].append(service.create("alice", request).id)
    for kind, ids in made.items():
        seen: list[str] = []
        cursor = None
        while True:
            page = service.list("alice", status="active", agent_type=kind, limit=2, cursor=cursor)
            assert 1 <= len(page.items) <= 2
            assert {c.agent_type for c in page.items} == {kind}
            seen += [c.id for c in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == ids[::-1]  # every one, once, most recent first
    whole = service.list("alice", status="active", agent_type=None, limit=50, cursor=None)
    assert len(whole.items) == 14 and whole.next_cursor is None
    meter = DynamoMeter().attach(dynamodb)
    first = service.list("alice", status="active", agent_type=None, limit=5, cursor=None)
    assert len(first.items) == 5 and meter.operations == {"Query": 1}  # a full page: 1 request


def test_the_history_window_reads_only_the_newest_messages(
    repo: DynamoChatRepository, clock: ManualClock
) -> None:
    model = FakeModel()
    turn = InProcessTurn(
        repo, model, Settings(table_name="chat-unit", history_max_messages=3), clock=clock
    )
    conversation_id = turn.run("alice", ChatRequest(message="m1")).response.conversation_id
    for number in range(2, 5):
        clock.advance(10)
        turn.run("alice", ChatRequest(message=f"m{number}", conversation_id=conversation_id))
    newest = repo.latest_messages("alice", conversation_id, 3)
    assert [m.seq for m in newest] == [8, 7, 6]
    # the model saw that window: the last three stored messages, the question last
    sent = [m.content for m in model.prompts[-1] if m.role != "system"]
    assert len(sent) == 3 and sent[0] == "m3" and sent[-1] == "m4"


def test_a_cursor_from_before_the_listing_index_moved_is_a_clear_400(
    conversations: ConversationService, settings: Settings
) -> None:
    """Cursors holding a key of the unused local indexes (the local-index layout's); sent
    back, they are refused as invalid, not passed to a Query that would fail (500)."""
    old_key = {"PK": "USER#alice", "SK": "CONV#c1", "LSI1SK": "active#0000000000001#c1"}
    old_cursor = CursorCodec(settings.cursor_signing_key).encode(
        old_key, "conversations|alice|active|"
    )
    with pytest.raises(InvalidCursor):
        conversations.list("alice", status="active", agent_type=None, limit=2, cursor=old_cursor)
