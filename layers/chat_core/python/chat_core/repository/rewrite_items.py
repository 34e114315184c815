"""The transactions' items of a turn that rewrites the last exchange (docs/design.md
"Versions"): regenerate the last reply, or edit and resend the last user message.

Kept beside the ordinary turn's items (dynamodb.py) so each set is read in one place.
Nothing is deleted: what a rewrite replaces is copied to a version item in the same
transaction that replaces it.
"""

from __future__ import annotations

from chat_core.repository.item_writes import ItemWrites
from chat_core.repository.port import Rewrite, TurnClaim
from chat_core.repository.records import MessageRecord, MessageVersion
from chat_core.repository.transactions import NamedItem


def rewrite_claim_items(w: ItemWrites, claim: TurnClaim, rewrite: Rewrite) -> list[NamedItem]:
    """The conversation's lease, and for an edit the new text over the old.

    A regeneration leaves the message count and the reply as they are (the old reply
    stays the conversation's last until the new one is stored: a failed regeneration
    has changed nothing). An edit stores the new text at the same seq, keeps the old
    text with the reply it had in a version item, and takes that reply out, so the
    conversation ends at the edited message, exactly as after an ordinary claim.
    """
    sub, conv, user = claim.sub, claim.conversation, claim.user_message
    regenerating = rewrite.user is None
    count = user.seq + 1 if regenerating else user.seq  # what the conversation holds
    conversation = w.claim_conversation(
        sub,
        conv,
        user.seq,
        claim.turn_id,
        claim.lease_until,
        claim.now,
        reactivate=claim.reactivate,
        count=count,
        replaces=count if regenerating else None,
        unchanged=True,
        title=rewrite.title,
        reserved=claim.reserved_tokens,
    )
    if rewrite.user is None:
        return [("conversation", conversation)]
    items: list[NamedItem] = [
        ("conversation", conversation),
        ("message", w.replaced_message(sub, user, was=rewrite.user)),
        ("version", w.message_version(sub, MessageVersion(rewrite.user, rewrite.reply), claim.now)),
    ]
    if rewrite.reply is not None:
        items.append(("reply", w.dropped_reply(sub, rewrite.reply)))
    return items


def regenerated_items(
    w: ItemWrites, claim: TurnClaim, replaced: MessageRecord, reply: MessageRecord, now: int
) -> list[NamedItem]:
    """The new reply over the old one (as read now, its rating final: none could be
    given while the regeneration held the lease), and the old one kept as a version."""
    return [
        ("message", w.replaced_message(claim.sub, reply, was=replaced)),
        ("version", w.message_version(claim.sub, MessageVersion(replaced), now)),
    ]
