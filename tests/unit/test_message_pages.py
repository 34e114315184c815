"""Paging through a conversation's messages: every message once, in order, cursors bound."""

from __future__ import annotations

from typing import Any, Literal

import pytest

from chat_core.errors import Forbidden, InvalidCursor, NotFound
from chat_core.models import ChatRequest
from chat_core.services.conversation_reader import ConversationReader
from tests.support.fakes import ManualClock
from tests.support.turns import InProcessTurn


def conversation_of_ten_messages(turn: InProcessTurn, clock: ManualClock) -> str:
    first = turn.run("alice", ChatRequest(message="m1"))
    conversation_id = first.response.conversation_id
    for number in range(2, 6):
        clock.advance(10)
        turn.run("alice", ChatRequest(message=f"m{number}", conversation_id=conversation_id))
    return conversation_id


def test_a_page_reads_one_item_more_than_it_shows(
    dynamodb: Any, turn: InProcessTurn, reader: ConversationReader, clock: ManualClock
) -> None:
    """The extra item says whether a next page exists; the Query never reads more."""
    conversation_id = conversation_of_ten_messages(turn, clock)
    limits: list[int] = []

    def record(params: Any, model: Any, **_: Any) -> None:
        if model.name == "Query":
            limits.append(params.get("Limit", -1))

    dynamodb.meta.events.register("before-parameter-build.dynamodb", record)
    page = reader.page_messages("alice", conversation_id, limit=4, order="asc", cursor=None)
    assert [m.seq for m in page.items] == [1, 2, 3, 4] and page.next_cursor
    assert limits == [5]


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_pages_hold_every_message_once_in_order(
    turn: InProcessTurn,
    reader: ConversationReader,
    clock: ManualClock,
    order: Literal["asc", "desc"],
) -> None:
    conversation_id = conversation_of_ten_messages(turn, clock)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        page = reader.page_messages(
            "alice",
            conversation_id,
            limit=4,
            order=order,
            cursor=cursor,
        )
        pages += 1
        seen.extend(m.seq for m in page.items)
        assert all(m.conversation_id == conversation_id for m in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    expected = list(range(1, 11))
    assert seen == (expected if order == "asc" else expected[::-1])
    assert pages == 3  # 4 + 4 + 2: the last page says there is no next one


def test_a_full_last_page_has_no_cursor_to_an_empty_one(
    turn: InProcessTurn, reader: ConversationReader, clock: ManualClock
) -> None:
    conversation_id = conversation_of_ten_messages(turn, clock)
    page = reader.page_messages("alice", conversation_id, limit=10, order="asc", cursor=None)
    assert len(page.items) == 10 and page.next_cursor is None


def test_a_cursor_works_only_for_the_query_it_came_from(
    turn: InProcessTurn, reader: ConversationReader, clock: ManualClock
) -> None:
    conversation_id = conversation_of_ten_messages(turn, clock)
    other = turn.run("alice", ChatRequest(message="elsewhere")).response.conversation_id
    cursor = reader.page_messages(
        "alice", conversation_id, limit=4, order="asc", cursor=None
    ).next_cursor
    with pytest.raises(InvalidCursor):  # the other order
        reader.page_messages("alice", conversation_id, limit=4, order="desc", cursor=cursor)
    with pytest.raises(InvalidCursor):  # another conversation
        reader.page_messages("alice", other, limit=4, order="asc", cursor=cursor)
    with pytest.raises(InvalidCursor):  # another user, even with the id
        reader.page_messages("bob", conversation_id, limit=4, order="asc", cursor=cursor)


def test_only_the_owner_reads_the_messages(
    turn: InProcessTurn, reader: ConversationReader, clock: ManualClock
) -> None:
    conversation_id = conversation_of_ten_messages(turn, clock)
    with pytest.raises(Forbidden):
        reader.page_messages("bob", conversation_id, limit=4, order="asc", cursor=None)
    with pytest.raises(NotFound):
        reader.page_messages(
            "alice", "00000000-0000-4000-8000-000000000000", limit=4, order="asc", cursor=None
        )
