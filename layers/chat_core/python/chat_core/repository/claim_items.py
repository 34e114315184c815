"""The first transaction of a turn, per kind (turn_kinds.py): every item it writes or
checks, read in one place.

Every kind takes the conversation's lease and spends the rate budgets on the stats
item; what else it writes is its own. Nothing is deleted: what a rewrite replaces is
copied to a version item in the same transaction that replaces it.
"""

from __future__ import annotations

from typing import assert_never

from chat_core.repository.item_writes import ItemWrites
from chat_core.repository.rate_spend import RateSpend
from chat_core.repository.records import ConversationRecord, MessageVersion
from chat_core.repository.refusals import Item
from chat_core.repository.transactions import NamedItem
from chat_core.repository.turn_kinds import (
    Continue,
    Edit,
    NewConversation,
    NextMessage,
    Regenerate,
    Rerun,
    Resume,
    TurnClaim,
)


def creation_items(w: ItemWrites, sub: str, conv: ConversationRecord, now: int) -> list[NamedItem]:
    """A new conversation and its ownership record (which tells 403 from 404)."""
    return [
        (Item.CONVERSATION, w.conversations.new_conversation(sub, conv)),
        (Item.OWNERSHIP, w.conversations.new_ownership(sub, conv.id, now)),
    ]


def claim_items(w: ItemWrites, claim: TurnClaim, spend: RateSpend) -> list[NamedItem]:
    """The kind's own items, then the archiving the cap asks for a conversation that
    becomes active, then the counters and budgets."""
    sub, conv, user = claim.sub, claim.conversation, claim.user_message
    kind = claim.kind
    items: list[NamedItem]
    match kind:
        case NewConversation():
            items = [*creation_items(w, sub, conv, claim.now), _new_message(w, claim)]
            messages = 1
        case NextMessage():
            items = [(Item.CONVERSATION, w.conversations.claim_conversation(claim))]
            if conv.turn_id and conv.turn_seq:
                # Taking over an expired lease: the dead turn's message was never answered.
                dead = w.messages.message_status(sub, conv.id, conv.turn_seq, "failed")
                items.append((Item.ORPHAN, dead))
            items.append(_new_message(w, claim))
            messages = 1
        case Rerun():
            return rerun_items(w, claim, spend)
        case Regenerate() | Continue() | Resume():
            # The old reply stays the conversation's last until the new one replaces it
            # (a failed regeneration has changed nothing), and is not rated meanwhile.
            count = user.seq + 1
            lease = w.conversations.claim_conversation(
                claim, count=count, replaces=count, unchanged=True
            )
            items = [(Item.CONVERSATION, lease)]
            messages = 0
        case Edit():
            # The new text at the same seq; the old one with the reply it had in a
            # version item; that reply taken out, so the conversation ends at the edited
            # message, exactly as after an ordinary claim.
            lease = w.conversations.claim_conversation(
                claim, count=user.seq, unchanged=True, title=kind.title
            )
            version = MessageVersion(kind.was, kind.reply)
            items = [
                (Item.CONVERSATION, lease),
                (Item.MESSAGE, w.messages.replaced_message(sub, user, was=kind.was)),
                (Item.VERSION, w.messages.message_version(sub, version, claim.now)),
            ]
            if kind.reply is not None:
                items.append((Item.REPLY, w.messages.dropped_reply(sub, kind.reply)))
            messages = -1 if kind.reply else 0
        case _:
            assert_never(kind)
    cap = claim.cap
    archived = len(cap.archive) if cap else 0
    stats = w.counters.stats(
        sub,
        conv.agent_type,
        active=(1 if cap else 0) - archived,
        archived=archived - (1 if claim.reactivates else 0),
        total=1 if claim.creates else 0,
        messages=messages,
        observed_active=cap.observed_active if cap else None,
        spend=spend,
    )
    return [
        *items,
        *(
            (Item.CAP, w.conversations.archive(sub, old, claim.now))
            for old in (cap.archive if cap else [])
        ),
        (Item.STATS, stats),
    ]


def rerun_items(w: ItemWrites, claim: TurnClaim, spend: RateSpend) -> list[NamedItem]:
    """A rerun claims the conversation for the stored message again.

    The message stays where it is (same seq) and goes back to ``ok``; it must still
    be the conversation's last message, failed, and the failed request is consumed,
    so two retries of the same key cannot both run. Counters already count it.
    """
    sub, conv, user = claim.sub, claim.conversation, claim.user_message
    items: list[NamedItem] = [
        (Item.CONVERSATION, w.conversations.reclaim_conversation(claim)),
        (
            Item.MESSAGE,
            w.messages.message_status(
                sub, conv.id, user.seq, "ok", was="failed", message_id=user.id
            ),
        ),
    ]
    if claim.request_key:  # else an edit that resends the failed text as it is
        items.append(
            (Item.FAILED_REQUEST, w.failed_requests.consume_failed_request(sub, claim.request_key))
        )
    return [*items, (Item.STATS, w.counters.stats(sub, conv.agent_type, spend=spend))]


def _new_message(w: ItemWrites, claim: TurnClaim) -> NamedItem:
    return (Item.MESSAGE, w.messages.new_message(claim.sub, claim.user_message))
