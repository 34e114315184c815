"""Each kind of turn writes its own items, travels to the worker as itself, and a
refusal of any item a transaction holds has a reason the service can act on."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chat_core.repository.claim_items import claim_items
from chat_core.repository.item_writes import ItemWrites
from chat_core.repository.port import TurnResult
from chat_core.repository.rate_spend import RateSpend
from chat_core.repository.records import ConversationRecord, MessageRecord, Quota
from chat_core.repository.refusals import REFUSAL_OF, Item
from chat_core.repository.reply_items import failed_items, reply_items
from chat_core.repository.turn_kinds import (
    ActiveCap,
    Continue,
    Edit,
    NewConversation,
    NextMessage,
    Regenerate,
    Rerun,
    TurnClaim,
    TurnKind,
)
from chat_core.services.dispatch import STARTED_TURN
from chat_core.services.turn_runner import StartedTurn

NOW = 1_795_600_000_000
CONVERSATION = ConversationRecord.new(
    id="c1", sub="alice", title="Hello", agent_type="general", now=NOW - 5000, first_message=False
)
USER = MessageRecord(
    id="m3", conversation_id="c1", seq=3, role="user", content="hi", created_ms=NOW
)
REPLY = MessageRecord(
    id="m4", conversation_id="c1", seq=4, role="assistant", content="hello", created_ms=NOW
)
ARCHIVED_OTHER = replace(CONVERSATION, id="c0")


def claim(kind: TurnKind, *, cap: ActiveCap | None = None, key: str | None = None) -> TurnClaim:
    conversation = replace(CONVERSATION, message_count=4 if kind.kind != "next_message" else 2)
    return TurnClaim(
        sub="alice",
        conversation=conversation,
        kind=kind,
        user_message=USER,
        turn_id="t1",
        lease_until=NOW + 60_000,
        now=NOW,
        rate_limit_per_minute=20,
        daily_token_budget=200_000,
        cap=cap,
        request_key=key,
        reserved_tokens=1000,
    )


def labels(turn: TurnClaim) -> list[Item]:
    spend = RateSpend(Quota(), NOW, 20, 200_000, reserve=turn.reserved_tokens)
    return [item for item, _ in claim_items(ItemWrites.of("chat"), turn, spend)]


C, OWN, M, S = Item.CONVERSATION, Item.OWNERSHIP, Item.MESSAGE, Item.STATS


@pytest.mark.parametrize(
    ("turn", "expected"),
    [
        (claim(NewConversation(), cap=ActiveCap(0)), [C, OWN, M, S]),
        (claim(NewConversation(), cap=ActiveCap(5, [ARCHIVED_OTHER])), [C, OWN, M, Item.CAP, S]),
        (claim(NextMessage()), [C, M, S]),
        (claim(NextMessage(), cap=ActiveCap(5, [ARCHIVED_OTHER])), [C, M, Item.CAP, S]),
        (claim(Rerun()), [C, M, S]),
        (claim(Rerun(), key="k"), [C, M, Item.FAILED_REQUEST, S]),
        (claim(Regenerate(REPLY)), [C, S]),
        (claim(Continue(REPLY)), [C, S]),
        (claim(Edit(was=USER, reply=None)), [C, M, Item.VERSION, S]),
        (claim(Edit(was=USER, reply=REPLY)), [C, M, Item.VERSION, Item.REPLY, S]),
    ],
    ids=lambda v: v.kind.kind if isinstance(v, TurnClaim) else "",
)
def test_each_kind_claims_its_own_items(turn: TurnClaim, expected: list[Item]) -> None:
    assert labels(turn) == expected


def test_taking_over_a_dead_turn_marks_its_message_failed_in_the_same_claim() -> None:
    dead = replace(claim(NextMessage()).conversation, turn_id="dead", turn_seq=2)
    assert labels(replace(claim(NextMessage()), conversation=dead)) == [C, Item.ORPHAN, M, S]


def test_a_reply_replaces_only_for_the_kinds_that_rewrite_it() -> None:
    result = TurnResult(reply=REPLY, prompt_tokens=10, completion_tokens=5)
    w = ItemWrites.of("chat")
    added = reply_items(w, claim(NextMessage()), result, None, NOW)
    replaced = reply_items(w, claim(Regenerate(REPLY)), result, REPLY, NOW)
    assert [i for i, _ in added] == [M, C, S]
    assert [i for i, _ in replaced] == [M, Item.VERSION, C, S]
    assert [claim(k).replaces for k in (Regenerate(REPLY), Continue(REPLY), Edit(USER, REPLY))] == [
        REPLY,
        REPLY,
        None,
    ]
    # A failed regeneration keeps the reply it would have replaced and the message as is.
    assert [i for i, _ in failed_items(w, claim(Regenerate(REPLY)), NOW)] == [C, S]
    keyed = failed_items(w, claim(NextMessage(), key="k"), NOW)
    assert [i for i, _ in keyed] == [M, C, S, Item.FAILED_REQUEST]


@pytest.mark.parametrize(
    "kind",
    [
        NewConversation(),
        NextMessage(),
        Rerun(),
        Regenerate(REPLY),
        Continue(REPLY),
        Edit(USER, REPLY, "New title"),
    ],
    ids=lambda k: k.kind,
)
def test_every_kind_reaches_the_worker_as_itself(kind: TurnKind) -> None:
    started = StartedTurn(
        claim=claim(kind, cap=ActiveCap(1, [ARCHIVED_OTHER])), agent_name="general"
    )
    assert STARTED_TURN.validate_json(STARTED_TURN.dump_json(started)) == started


def test_every_item_a_transaction_names_has_a_reason() -> None:
    assert set(REFUSAL_OF) == set(Item)
