"""Exactly what each operation writes: every item and attribute, on moto.

The storage layout is what migrations, the cost figures (docs/performance.md) and a
reader in another process rely on, so it is pinned item by item here. The turn's
outcome tests elsewhere read through the repository and would not notice, say, a
message key written in lower case or a time-to-live a factor 1000 off.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer

from chat_core.errors import AgentUnavailable, Forbidden, NoTurnInProgress, RateLimited
from chat_core.models import (
    ChatRequest,
    CreateConversationRequest,
    EditMessageRequest,
    FeedbackRequest,
    RegenerateRequest,
    UpdateConversationRequest,
)
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.repository.port import TurnLost
from chat_core.services.conversations import ConversationService
from chat_core.services.feedback import FeedbackService
from chat_core.services.live_connections import LiveConnections
from chat_core.services.rewrites import Rewrites
from chat_core.services.stop_turn import StopTurn
from chat_core.settings import Settings
from tests.support.fakes import FakeModel, ManualClock, reserved_by
from tests.support.turns import InProcessTurn

# 2026-09-21T14:13:20.007Z: not a whole second, so a time-to-live computed as
# ms / 1000 instead of ms // 1000 shows.
T = 1_790_000_000_007
SECONDS = T // 1000
DAY = T // 86_400_000
MINUTE = T // 60_000


class Ids:
    """Deterministic ids, so the expected items can name them."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return ID(self.count)


def ID(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


C = ID(1)  # the first turn's conversation


def stored(dynamodb: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """Every item of the table, keyed by (PK, SK), numbers as ints."""
    deserialize = TypeDeserializer().deserialize

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        return value

    items = dynamodb.scan(TableName="chat-unit")["Items"]
    out = {}
    for item in items:
        values = {k: plain(deserialize(v)) for k, v in item.items()}
        out[(values.pop("PK"), values.pop("SK"))] = values
    return out


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T)


@pytest.fixture
def ids() -> Ids:
    return Ids()


@pytest.fixture
def turn(
    repo: DynamoChatRepository, model: FakeModel, settings: Settings, clock: ManualClock, ids: Ids
) -> InProcessTurn:
    return InProcessTurn(repo, model, settings, clock=clock, ids=ids)


def conversation(**changes: Any) -> dict[str, Any]:
    """The conversation item of the first turn's conversation (id-1), as changed."""
    item = {
        "type": "conversation",
        "id": C,
        "owner": "alice",
        "title": "Hello there",
        "agent_type": "general",
        "status": "active",
        "created_ms": T,
        "updated_ms": T + 1,  # the reply: stored at least 1 ms after the message
        "last_message_ms": T + 1,
        "message_count": 2,
        "metadata": {},
        "prompt_tokens": 20,
        "completion_tokens": 7,
        # the listing key: set by the claim (the first message, at T), not by the reply
        "ActivitySK": f"active#{T}#{C}",
    }
    return {k: v for k, v in {**item, **changes}.items() if v is not None}


def message(seq: int, role: str, content: str, tokens: int, **changes: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "id": changes.pop("id"),
        "conversation_id": C,
        "seq": seq,
        "role": role,
        "content": content,
        "created_ms": T,
        "status": "ok",
        "tokens": tokens,
        **changes,
    }


FIRST_REPLY = "reply to 'Hello there' (history 1)"


def test_a_first_turn_writes_these_items_and_nothing_else(
    dynamodb: Any, turn: InProcessTurn
) -> None:
    turn.run("alice", ChatRequest(message="Hello there"))
    # ids: 1 conversation, 2 turn, 3 user message, 4 reply
    assert stored(dynamodb) == {
        (f"CONV#{C}", "OWNER"): {"type": "ownership", "owner": "alice", "created_ms": T},
        ("USER#alice", f"CONV#{C}"): conversation(),
        (f"USER#alice#CONV#{C}", "MSG#0000000001"): message(1, "user", "Hello there", 7, id=ID(3)),
        (f"USER#alice#CONV#{C}", "MSG#0000000002"): message(
            2, "assistant", FIRST_REPLY, 7, id=ID(4), created_ms=T + 1
        ),
        ("USER#alice", "STATS"): {
            "conv_active": 1,
            "conv_archived": 0,
            "active#general": 1,
            "total#general": 1,
            "messages": 2,
            "prompt_tokens": 20,
            "completion_tokens": 7,
            # the rate budgets: turns this minute, tokens this day
            "rate_minute": MINUTE,
            "minute_turns": 1,
            "rate_day": DAY,
            "day_tokens": 20 + 7,
        },
    }


def test_a_turn_in_flight_holds_the_lease_and_stop_and_connections_are_small_items(
    dynamodb: Any, repo: DynamoChatRepository, turn: InProcessTurn, clock: ManualClock
) -> None:
    turn.run("alice", ChatRequest(message="Hello there"))
    clock.advance(1000)
    started = turn.start("alice", ChatRequest(message="more", conversation_id=C))
    LiveConnections(repo, clock=clock).connected("alice", "conn-1")
    accepted = StopTurn(repo, clock).request("alice", C)
    assert (accepted.conversation_id, accepted.turn_id) == (C, ID(5))

    items = stored(dynamodb)
    assert items[("USER#alice", f"CONV#{C}")] == conversation(
        message_count=3,
        updated_ms=T + 1000,
        last_message_ms=T + 1000,
        ActivitySK=f"active#{T + 1000}#{C}",
        turn_id=ID(5),
        turn_lease_until=T + 1000 + 60_000,
        turn_seq=3,
        turn_reserved=reserved_by("more"),  # its worst case of the day's tokens
        turn_reserved_day=DAY,
    )
    assert items[(f"USER#alice#CONV#{C}", "MSG#0000000003")] == message(
        3, "user", "more", 5, id=ID(6), created_ms=T + 1000
    )
    assert items[("USER#alice", "LIVE#CONN#conn-1")] == {
        "type": "connection",
        "connected_ms": T + 1000,
        "ttl": SECONDS + 1 + 2 * 3600 + 300,
    }
    assert items[("USER#alice", f"LIVE#STOP#{ID(5)}")] == {
        "type": "stop",
        "conversation_id": C,
        "ttl": SECONDS + 1 + 3600,
    }
    live = repo.live_state("alice")
    assert (live.connections, live.stop_requested) == (frozenset({"conn-1"}), frozenset({ID(5)}))

    repo.extend_lease(started.claim, T + 90_000)
    assert stored(dynamodb)[("USER#alice", f"CONV#{C}")]["turn_lease_until"] == T + 90_000

    LiveConnections(repo, clock=clock).disconnected("alice", "conn-1")
    assert repo.live_state("alice").connections == frozenset()


def test_a_lease_is_extended_only_by_its_own_turn_and_never_on_a_deleted_conversation(
    repo: DynamoChatRepository,
    turn: InProcessTurn,
    conversations: ConversationService,
    clock: ManualClock,
) -> None:
    turn.run("alice", ChatRequest(message="Hello there"))
    started = turn.start("alice", ChatRequest(message="more", conversation_id=C))
    from dataclasses import replace

    with pytest.raises(TurnLost) as lost:
        repo.extend_lease(replace(started.claim, turn_id="someone-else"), T + 90_000)
    assert str(lost.value) == "lease"
    conversations.delete("alice", C)
    with pytest.raises(TurnLost):
        repo.extend_lease(started.claim, T + 90_000)


def test_stop_needs_a_turn_in_flight_in_the_callers_own_conversation(
    repo: DynamoChatRepository, turn: InProcessTurn, clock: ManualClock, settings: Settings
) -> None:
    stop = StopTurn(repo, clock)
    turn.run("alice", ChatRequest(message="Hello there"))
    with pytest.raises(NoTurnInProgress):  # the turn is over
        stop.request("alice", C)
    turn.start("alice", ChatRequest(message="more", conversation_id=C))
    with pytest.raises(Forbidden):  # not bob's to stop
        stop.request("bob", C)
    lease_ends = clock.now + settings.turn_lease_seconds * 1000
    clock.now = lease_ends  # the last millisecond of its lease: still running
    assert stop.request("alice", C).turn_id == ID(5)
    clock.now = lease_ends + 1
    with pytest.raises(NoTurnInProgress):  # its lease ran out: nothing is running
        stop.request("alice", C)
    assert repo.live_state("alice").stop_requested == {ID(5)}  # only the one in time


def test_a_failed_turn_keeps_the_message_as_failed_and_remembers_the_request(
    dynamodb: Any, repo: DynamoChatRepository, settings: Settings, clock: ManualClock, ids: Ids
) -> None:
    failing = InProcessTurn(repo, FakeModel(fail_with="down"), settings, clock=clock, ids=ids)
    with pytest.raises(AgentUnavailable):
        failing.submit("alice", ChatRequest(message="Hello there"), request_key="key-1")
    items = stored(dynamodb)
    assert items[(f"USER#alice#CONV#{C}", "MSG#0000000001")]["status"] == "failed"
    conversation_item = items[("USER#alice", f"CONV#{C}")]
    turn_attributes = {"turn_id", "turn_lease_until", "turn_seq", "turn_reserved"}
    assert not turn_attributes & set(conversation_item)
    assert items[("USER#alice", "STATS")]["day_tokens"] == 0  # its reservation given back
    assert items[("USER#alice", "RETRY#key-1")] == {
        "type": "failed_request",
        "conversation_id": C,
        "seq": 1,
        "ttl": SECONDS + 86_400,
    }

    clock.advance(5000)
    working = InProcessTurn(repo, FakeModel(), settings, clock=clock, ids=ids)
    started = working.start("alice", ChatRequest(message="Hello there"), request_key="key-1")
    items = stored(dynamodb)
    assert ("USER#alice", "RETRY#key-1") not in items  # consumed: one rerun per failure
    assert items[(f"USER#alice#CONV#{C}", "MSG#0000000001")]["status"] == "ok"
    assert items[("USER#alice", f"CONV#{C}")]["turn_id"] == started.claim.turn_id
    assert items[("USER#alice", f"CONV#{C}")]["turn_lease_until"] == T + 5000 + 60_000
    assert items[("USER#alice", f"CONV#{C}")]["turn_seq"] == 1
    assert items[("USER#alice", f"CONV#{C}")]["message_count"] == 1
    assert items[("USER#alice", "STATS")] == {
        "conv_active": 1,
        "conv_archived": 0,
        "active#general": 1,
        "total#general": 1,
        "messages": 1,  # the message was counted once, when it was stored
        "rate_minute": MINUTE,
        "minute_turns": 2,  # a rerun is a turn
        "rate_day": DAY,
        "day_tokens": reserved_by("Hello there"),  # the rerun's reservation
    }


def test_a_delete_hides_the_conversation_sets_its_expiry_and_moves_the_counters(
    dynamodb: Any,
    turn: InProcessTurn,
    conversations: ConversationService,
    settings: Settings,
    clock: ManualClock,
) -> None:
    turn.run("alice", ChatRequest(message="Hello there"))
    clock.advance(2000)
    conversations.delete("alice", C)
    expires = SECONDS + 2 + settings.deleted_retention_days * 86_400
    items = stored(dynamodb)
    assert items[("USER#alice", f"CONV#{C}")] == {
        **{k: v for k, v in conversation().items() if k != "ActivitySK"},  # out of the list
        "deleted_ms": T + 2000,
        "ttl": expires,
    }
    assert items[(f"CONV#{C}", "OWNER")]["ttl"] == expires
    assert items[("USER#alice", "STATS")] == {
        "conv_active": 0,
        "conv_archived": 0,
        "active#general": 0,
        "total#general": 0,
        "messages": 0,
        "prompt_tokens": 20,
        "completion_tokens": 7,
        "rate_minute": MINUTE,
        "minute_turns": 1,
        "rate_day": DAY,
        "day_tokens": 20 + 7,
    }


def test_a_delete_during_a_reply_asks_it_to_stop_and_after_an_expired_lease_asks_nothing(
    dynamodb: Any,
    turn: InProcessTurn,
    conversations: ConversationService,
    settings: Settings,
    clock: ManualClock,
) -> None:
    writing = turn.start("alice", ChatRequest(message="Hello there"))
    clock.advance(2000)
    conversations.delete("alice", C)
    stop = ("USER#alice", f"LIVE#STOP#{writing.claim.turn_id}")
    assert stored(dynamodb)[stop] == {
        "type": "stop",
        "conversation_id": C,
        "ttl": SECONDS + 2 + 3600,
    }
    abandoned = turn.start("alice", ChatRequest(message="Left behind"))
    clock.advance(settings.turn_lease_seconds * 1000 + 1)  # its worker died: nothing to stop
    conversations.delete("alice", abandoned.claim.conversation.id)
    assert [k for k in stored(dynamodb) if k[1].startswith("LIVE#STOP#")] == [stop]


def test_a_conversation_created_from_the_sidebar_and_its_ownership(
    dynamodb: Any, conversations: ConversationService
) -> None:
    created = conversations.create("alice", CreateConversationRequest(title="Plans"))
    items = stored(dynamodb)
    assert items[(f"CONV#{created.id}", "OWNER")] == {
        "type": "ownership",
        "owner": "alice",
        "created_ms": T,
    }
    assert items[("USER#alice", f"CONV#{created.id}")]["owner"] == "alice"
    assert items[("USER#alice", f"CONV#{created.id}")]["message_count"] == 0


def test_a_refused_turn_says_exactly_how_long_to_wait(
    repo: DynamoChatRepository, model: FakeModel, clock: ManualClock
) -> None:
    midnight = T - T % 86_400_000 + 86_400_000
    clock.now = midnight - 90_010  # 30.01 s left in this minute: retry in 31 s, not 30
    budgeted = InProcessTurn(
        repo,
        model,
        Settings(
            table_name="chat-unit",
            daily_token_budget=reserved_by() + 20,
            rate_limit_turns_per_minute=1,
        ),
        clock=clock,
    )
    budgeted.run("alice", ChatRequest(message="spends 27 tokens"))
    with pytest.raises(RateLimited) as per_minute:
        budgeted.run("alice", ChatRequest(message="too soon"))
    assert per_minute.value.retry_after == 31
    assert "1 messages per minute; retry in 31 s" in str(per_minute.value)
    clock.advance(60_000)  # next minute; 30.01 s left of the day
    with pytest.raises(RateLimited) as per_day:
        budgeted.run("alice", ChatRequest(message="over budget"))
    assert per_day.value.retry_after == 31  # the budget renews at midnight UTC
    assert "daily token budget is spent" in str(per_day.value)

    clock.now = midnight - 60_400  # bob: 0.4 s left of the minute, then of the day
    budgeted.run("bob", ChatRequest(message="spends 27 tokens"))
    clock.now = midnight - 60_300  # the same minute, 0.3 s before its end
    with pytest.raises(RateLimited) as almost_next_minute:
        budgeted.run("bob", ChatRequest(message="too soon"))
    assert almost_next_minute.value.retry_after == 1  # never 0, never more than needed
    clock.now = midnight - 400
    with pytest.raises(RateLimited) as almost_tomorrow:
        budgeted.run("bob", ChatRequest(message="over budget"))
    assert almost_tomorrow.value.retry_after == 1


def retire_to_old_layout(dynamodb: Any, conversation_id: str) -> None:
    """The conversation item as stored in the local-index layout: LSI keys, no ActivitySK."""
    dynamodb.update_item(
        TableName="chat-unit",
        Key={"PK": {"S": "USER#alice"}, "SK": {"S": f"CONV#{conversation_id}"}},
        UpdateExpression="SET LSI1SK = :a, LSI2SK = :b REMOVE ActivitySK",
        ExpressionAttributeValues={":a": {"S": "active#old"}, ":b": {"S": "general#active#old"}},
    )


@pytest.mark.parametrize("move", ["turn", "archive", "delete"])
def test_a_conversation_stored_before_the_listing_index_leaves_the_old_indexes_when_it_moves(
    move: str,
    dynamodb: Any,
    turn: InProcessTurn,
    conversations: ConversationService,
    clock: ManualClock,
) -> None:
    turn.run("alice", ChatRequest(message="Hello there"))
    retire_to_old_layout(dynamodb, C)
    clock.advance(1000)
    if move == "turn":
        turn.run("alice", ChatRequest(message="again", conversation_id=C))
    elif move == "archive":
        conversations.update("alice", C, UpdateConversationRequest(status="archived"))
    else:
        conversations.delete("alice", C)
    item = stored(dynamodb)[("USER#alice", f"CONV#{C}")]
    assert not {"LSI1SK", "LSI2SK"} & set(item)  # out of the retired indexes: no cost there
    if move == "delete":
        assert "ActivitySK" not in item
    else:
        assert item["ActivitySK"].startswith("archived#" if move == "archive" else "active#")


def test_a_regeneration_and_an_edit_keep_what_they_replace_in_these_version_items(
    dynamodb: Any,
    turn: InProcessTurn,
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
    ids: Ids,
) -> None:
    turn.run("alice", ChatRequest(message="Hello there"))
    FeedbackService(repo, settings, clock=clock).rate(
        "alice", C, 2, FeedbackRequest(rating="down", comment="too short")
    )
    rewrites = Rewrites(turn, repo, clock=clock, ids=ids)
    clock.advance(10)
    rewrites.regenerate("alice", C, RegenerateRequest())
    clock.advance(10)
    FeedbackService(repo, settings, clock=clock).rate("alice", C, 2, FeedbackRequest(rating="up"))
    rewrites.edit("alice", C, 1, EditMessageRequest(message="Hello again, at more length"))

    # ids: 1 conversation, 2 turn, 3 message, 4 reply; 5 turn, 6 reply (regenerated);
    # 7 edited message, 8 turn, 9 reply. Times: the first reply at T+1, the regeneration
    # at T+10 (its reply at T+11), the edit at T+20 (its reply at T+21).
    messages = {k[1]: v for k, v in stored(dynamodb).items() if k[0] == f"USER#alice#CONV#{C}"}
    regenerated = {
        **message(2, "assistant", FIRST_REPLY, 7, id=ID(6), created_ms=T + 11),
        "version": 2,
        "feedback_rating": "up",
        "feedback_ms": T + 20,
    }
    del regenerated["type"]
    assert messages == {
        # Current: the edited text (version 2) and the reply to it, first of its versions
        # (answers: the user text it answers, stored because it is not 1).
        "MSG#0000000001": message(
            1, "user", "Hello again, at more length", 11, id=ID(7), created_ms=T + 20
        )
        | {"version": 2},
        "MSG#0000000002": message(
            2,
            "assistant",
            "reply to 'Hello again, at more length' (history 1)",
            7,  # the model's completion tokens
            id=ID(9),
            created_ms=T + 21,
        )
        | {"answers": 2},
        # The first text, with the reply it ended with (the regenerated one, rated).
        "VER#0000000001#0001": message(1, "user", "Hello there", 7, id=ID(3))
        | {"type": "message_version", "replaced_ms": T + 20, "reply": regenerated},
        # The first reply to the first text, with its rating, replaced at T+11.
        "VER#0000000002#0001.0001": message(2, "assistant", FIRST_REPLY, 7, id=ID(4))
        | {
            "type": "message_version",
            "created_ms": T + 1,
            "replaced_ms": T + 11,
            "feedback_rating": "down",
            "feedback_comment": "too short",
            "feedback_ms": T,
        },
    }
