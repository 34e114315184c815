"""The first transaction of an ordinary turn (a message in a new or an existing
conversation) and of a rerun of a failed one: every item it writes or checks, read in
one place. A rewrite's are in rewrite_items.py."""

from __future__ import annotations

from chat_core.repository.item_writes import ItemWrites
from chat_core.repository.port import TurnClaim
from chat_core.repository.rate_spend import RateSpend
from chat_core.repository.records import ConversationRecord
from chat_core.repository.rewrite_items import rewrite_claim_items
from chat_core.repository.transactions import NamedItem


def creation_items(w: ItemWrites, sub: str, conv: ConversationRecord, now: int) -> list[NamedItem]:
    """A new conversation and its ownership record (which tells 403 from 404)."""
    return [
        ("conversation", w.new_conversation(sub, conv)),
        ("ownership", w.new_ownership(sub, conv.id, now)),
    ]


def claim_items(w: ItemWrites, claim: TurnClaim, spend: RateSpend) -> list[NamedItem]:
    """The lease (a new conversation, or the one read), the user message, the counters
    and budgets; a new or reactivated conversation archives what the cap asks."""
    sub, conv, now = claim.sub, claim.conversation, claim.now
    seq = claim.user_message.seq
    items: list[NamedItem]
    messages = 1
    if claim.rewrite is not None:
        items = rewrite_claim_items(w, claim, claim.rewrite)
        # An edit takes its reply out; a regeneration adds nothing until it replaces.
        messages = -1 if claim.rewrite.user and claim.rewrite.reply else 0
    elif claim.is_new:
        items = creation_items(w, sub, conv, now)
    else:
        items = [
            (
                "conversation",
                w.claim_conversation(
                    sub,
                    conv,
                    seq,
                    claim.turn_id,
                    claim.lease_until,
                    now,
                    reactivate=claim.reactivate,
                    reserved=claim.reserved_tokens,
                ),
            )
        ]
        if conv.turn_id and conv.turn_seq:
            # Taking over an expired lease: the dead turn's message was never answered.
            items.append(("orphan", w.message_status(sub, conv.id, conv.turn_seq, "failed")))
    if claim.rewrite is None:
        items.append(("message", w.new_message(sub, claim.user_message)))
    archived = len(claim.archive)
    gained = 1 if (claim.is_new or claim.reactivate) else 0
    stats = w.stats(
        sub,
        conv.agent_type,
        active=gained - archived,
        archived=archived - (1 if claim.reactivate else 0),
        total=1 if claim.is_new else 0,
        messages=messages,
        observed_active=claim.observed_active if gained else None,
        spend=spend,
    )
    return [
        *items,
        *(("cap", w.archive(sub, old, now)) for old in claim.archive),
        ("stats", stats),
    ]


def rerun_items(w: ItemWrites, claim: TurnClaim, spend: RateSpend) -> list[NamedItem]:
    """A retry of a failed turn: claim the conversation for the stored message again.

    The message stays where it is (same seq) and goes back to ``ok``; it must still
    be the conversation's last message, failed, and the retry item is consumed, so
    two retries of the same key cannot both run. Counters already count it. (Edit and
    resend with the failed message's own text is the same rerun, without a key.)
    """
    sub, conv, seq = claim.sub, claim.conversation, claim.user_message.seq
    lease = claim.turn_id, claim.lease_until, claim.now
    items: list[NamedItem] = [
        (
            "conversation",
            w.reclaim_conversation(sub, conv, seq, *lease, reserved=claim.reserved_tokens),
        ),
        (
            "message",
            w.message_status(
                sub, conv.id, seq, "ok", was="failed", message_id=claim.user_message.id
            ),
        ),
    ]
    if claim.request_key:  # else an edit that resends the failed text as it is
        items.append(("retry", w.consume_failed_request(sub, claim.request_key)))
    return [*items, ("stats", w.stats(sub, conv.agent_type, spend=spend))]
