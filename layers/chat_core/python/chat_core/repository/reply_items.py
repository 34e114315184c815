"""The last transaction of a turn: every item it writes when the reply is stored, and
when the turn fails instead, read in one place (the first is claim_items.py)."""

from __future__ import annotations

from chat_core.repository.item_writes import ItemWrites
from chat_core.repository.port import TurnResult
from chat_core.repository.rate_spend import held
from chat_core.repository.records import MessageRecord, MessageVersion
from chat_core.repository.refusals import Item
from chat_core.repository.transactions import NamedItem
from chat_core.repository.turn_kinds import Resume, TurnClaim


def reply_items(
    w: ItemWrites,
    claim: TurnClaim,
    result: TurnResult,
    replaced: MessageRecord | None,
    now: int,
) -> list[NamedItem]:
    """The reply (over ``replaced``, the reply a regeneration replaces, as read now: its
    rating final, none could be given while the turn held the lease; the old one kept
    as a version), the lease released, every counter moved.

    The reservation belongs to the claim's day: a reply stored on another day is
    charged its whole use there (the old day's count no longer matters)."""
    sub, conv, reply = claim.sub, claim.conversation, result.reply
    tokens = {"pt": result.prompt_tokens, "ct": result.completion_tokens}
    used = result.prompt_tokens + result.completion_tokens
    settled = used - held(claim.reserved_tokens, claim.now, now)
    message_items: list[NamedItem] = [(Item.MESSAGE, w.messages.new_message(sub, reply))]
    if replaced is not None and isinstance(claim.kind, Resume):
        # The paused reply goes on in its place: the same version, nothing superseded.
        message_items = [(Item.MESSAGE, w.messages.replaced_message(sub, reply, was=replaced))]
    elif replaced is not None:
        message_items = [
            (Item.MESSAGE, w.messages.replaced_message(sub, reply, was=replaced)),
            (Item.VERSION, w.messages.message_version(sub, MessageVersion(replaced), now)),
        ]
    added = 0 if replaced is not None else 1
    return [
        *message_items,
        (
            Item.CONVERSATION,
            w.conversations.conversation_replied(
                sub, conv, claim.turn_id, reply.seq, now, tokens, reply.approval_expires_ms
            ),
        ),
        (Item.STATS, w.counters.reply_stats(sub, tokens, settled, messages=added)),
    ]


def failed_items(w: ItemWrites, claim: TurnClaim, now: int) -> list[NamedItem]:
    """The model failed: the user message marked failed and the lease released; all
    kept. A failed regeneration only releases: the reply it would have replaced stays.
    The turn's reservation of the day's tokens is given back (on its own day), and a
    request with an Idempotency-Key remembers where its message is, for a rerun."""
    sub, conv, msg = claim.sub, claim.conversation, claim.user_message
    release = (Item.CONVERSATION, w.conversations.release_conversation(sub, conv.id, claim.turn_id))
    given_back = (
        Item.STATS,
        w.counters.day_tokens(sub, -held(claim.reserved_tokens, claim.now, now)),
    )
    if isinstance(claim.kind, Resume):
        # Decided, and perhaps run: never resumable again (abandoned's why).
        kind = claim.kind
        abandoned = w.messages.replaced_message(sub, kind.abandoned(), was=kind.reply)
        return [release, given_back, (Item.MESSAGE, abandoned)]
    if claim.replaces is not None:
        return [release, given_back]
    items = [
        (Item.MESSAGE, w.messages.message_status(sub, conv.id, msg.seq, "failed")),
        release,
        given_back,
    ]
    if claim.request_key:
        remembered = w.failed_requests.remember_failed_request(
            sub, claim.request_key, conv.id, msg.seq, claim.now
        )
        items.append((Item.FAILED_REQUEST, remembered))
    return items
