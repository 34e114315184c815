"""Each write to a conversation item and to its ownership record, with the condition
that guards it, so a condition is read next to its item (claim, reply, release,
archive, delete). Which writes go together: claim_items.py, reply_items.py and the
stores (conversation_store.py, turn_store.py).
"""

from __future__ import annotations

from typing import Any

from chat_core.repository import keys
from chat_core.repository.codec import conversation_item, to_item
from chat_core.repository.rate_spend import RESERVED, reservation_values, reserved_as_read
from chat_core.repository.records import ConversationRecord
from chat_core.repository.transactions import Writes
from chat_core.repository.turn_kinds import Resume, TurnClaim

# A turn may take the conversation only when no other turn holds a live lease.
_LEASE_FREE = "(attribute_not_exists(turn_id) OR turn_lease_until < :now)"
_LIVE = "attribute_exists(PK) AND attribute_not_exists(deleted_ms)"
# Keys of the unused local indexes: a write that sets the listing key removes them
# (scripts/migrate_listing_index.py moves the conversations that never move).
_UNUSED_INDEX_KEYS = " REMOVE LSI1SK, LSI2SK"


# What a turn holding the lease keeps on the conversation; gone when it ends.
_TURN_ATTRIBUTES = (
    "turn_id, turn_lease_until, turn_seq, turn_replaces, turn_reserved, turn_reserved_day"
)


def _still_counted(attribute: str, value: str) -> str:
    """A delete's condition that a rating count is still what it read (absent: none)."""
    return f"(attribute_not_exists({attribute}) OR {attribute} = :{value})"


def activity(conv: ConversationRecord, status: str, activity_ms: int) -> dict[str, str]:
    """The expression value ``:activity``: the listing index's key (keys.activity_key)."""
    return {"activity": keys.activity_key(status, activity_ms, conv.id)}


class ConversationWrites:
    def __init__(self, table: str) -> None:
        self._requests = Writes(table)

    def _conversation(self, sub: str, conversation_id: str) -> dict[str, str]:
        return {"PK": keys.user_pk(sub), "SK": keys.conversation_sk(conversation_id)}

    # ------------------------------------------------------------------ conversation
    def new_conversation(self, sub: str, conv: ConversationRecord) -> dict[str, Any]:
        return self._requests.put_new(conversation_item(sub, conv))

    def claim_conversation(
        self,
        claim: TurnClaim,
        *,
        count: int | None = None,
        replaces: int | None = None,
        unchanged: bool = False,
        title: str | None = None,
    ) -> dict[str, Any]:
        """The turn's lease and the user message's seq, on the condition that nothing
        changed since the read: not deleted, the same message count and status, and no
        live lease. This condition keeps ``seq`` contiguous and a deleted conversation
        deleted.

        ``count``: the message count the claim leaves (``seq`` unless a rewrite drops a
        reply, or a regeneration keeps the one it ``replaces``: then no message is the
        turn's own to mark failed if it dies, and that reply is not rated meanwhile).
        ``unchanged``: also on the condition that no write at all touched the
        conversation since the read (``updated_ms``): a rewrite read its last exchange,
        and any turn that ended in between (another regeneration, an edit) moved it.
        ``title``: a new title too (an edit of the first message; the read it is
        conditional on saw that the user had not named the conversation).
        The claim's reservation of the day's tokens goes on the conversation
        (rate_spend.reservation_values)."""
        sub, conv, seq, now = claim.sub, claim.conversation, claim.user_message.seq, claim.now
        reactivate = claim.reactivates
        reactivating = ", #status = :active" if reactivate else ""
        answering, cleared = (
            ("turn_replaces = :replaces", "turn_seq")
            if replaces
            else ("turn_seq = :seq", "turn_replaces")
        )
        if not isinstance(claim.kind, Resume):  # the pause, if any, is left behind
            cleared += ", awaiting_until"
        return self._requests.update(
            self._conversation(sub, conv.id),
            "SET message_count = :count, turn_id = :tid, turn_lease_until = :lease, "
            f"{answering}, last_message_ms = :now, updated_ms = :now, {RESERVED}, "
            f"ActivitySK = :activity{reactivating}{', title = :title' if title else ''}"
            f"{_UNUSED_INDEX_KEYS}, {cleared}",
            condition=f"{_LIVE} AND message_count = :prev AND #status = :was AND {_LEASE_FREE}"
            + (" AND updated_ms = :seen" if unchanged else "")
            + reserved_as_read(conv, now),
            names={"#status": "status"},
            values={
                **({"seen": conv.updated_ms} if unchanged else {}),
                **({"title": title} if title else {}),
                "prev": conv.message_count,
                "was": conv.status,
                "now": now,
                "count": seq if count is None else count,
                "tid": claim.turn_id,
                "lease": claim.lease_until,
                **({"replaces": replaces} if replaces else {"seq": seq}),
                **activity(conv, "active", now),
                **({"active": "active"} if reactivate else {}),
                **reservation_values(conv, claim.reserved_tokens, now),
            },
        )

    def reclaim_conversation(self, claim: TurnClaim) -> dict[str, Any]:
        """A rerun's lease: the failed message must still be the conversation's last, in
        a conversation still active (an archived one comes back through the cap)."""
        sub, conv, now = claim.sub, claim.conversation, claim.now
        return self._requests.update(
            self._conversation(sub, conv.id),
            "SET turn_id = :tid, turn_lease_until = :lease, turn_seq = :count, "
            f"updated_ms = :now, {RESERVED} REMOVE turn_replaces",
            condition=f"{_LIVE} AND message_count = :count AND #status = :active AND "
            f"{_LEASE_FREE}{reserved_as_read(conv, now)}",
            names={"#status": "status"},
            values={
                "tid": claim.turn_id,
                "lease": claim.lease_until,
                "count": claim.user_message.seq,
                "now": now,
                "active": "active",
            }
            | reservation_values(conv, claim.reserved_tokens, now),
        )

    def conversation_replied(
        self,
        sub: str,
        conv: ConversationRecord,
        turn_id: str,
        seq: int,
        now: int,
        tokens: dict[str, int],
        awaiting_until: int | None = None,
    ) -> dict[str, Any]:
        """The reply's count, time and tokens; the lease released. Only while the turn
        still holds the lease and the conversation was not deleted meanwhile.
        ``awaiting_until``: the reply waits for the user's approval until then (the list
        shows it); otherwise no wait is left.

        The listing key stays as the claim set it (the turn's start orders the list): a
        key change here would bill the index a second delete and put per turn."""
        waiting = ", awaiting_until = :until" if awaiting_until else ""
        return self._requests.update(
            self._conversation(sub, conv.id),
            f"SET message_count = :count, last_message_ms = :now, updated_ms = :now{waiting} "
            "ADD prompt_tokens :pt, completion_tokens :ct "
            f"REMOVE {_TURN_ATTRIBUTES}{'' if awaiting_until else ', awaiting_until'}",
            condition="turn_id = :tid AND attribute_not_exists(deleted_ms)",
            values={
                "tid": turn_id,
                "count": seq,
                "now": now,
                **({"until": awaiting_until} if awaiting_until else {}),
                **tokens,
            },
        )

    def approval_settled(self, sub: str, conversation_id: str, now: int) -> dict[str, Any]:
        """No reply waits any more (Stop settled it), unless a turn holds the lease."""
        return self._requests.update(
            self._conversation(sub, conversation_id),
            "SET updated_ms = :now REMOVE awaiting_until",
            condition=f"{_LIVE} AND {_LEASE_FREE}",
            values={"now": now},
        )

    def release_conversation(self, sub: str, conversation_id: str, turn_id: str) -> dict[str, Any]:
        return self._requests.update(
            self._conversation(sub, conversation_id),
            f"REMOVE {_TURN_ATTRIBUTES}, awaiting_until",
            condition="turn_id = :tid",
            values={"tid": turn_id},
        )

    def extend_lease(
        self, sub: str, conversation_id: str, turn_id: str, lease: int
    ) -> dict[str, Any]:
        return self._requests.update(
            self._conversation(sub, conversation_id),
            "SET turn_lease_until = :lease",
            condition="turn_id = :tid AND attribute_not_exists(deleted_ms)",
            values={"tid": turn_id, "lease": lease},
        )

    def archive(self, sub: str, old: ConversationRecord, now: int) -> dict[str, Any]:
        """Archived (by the cap or the user); never a conversation whose reply is being
        written (its turn would store the reply as active behind the archive's back)."""
        return self._requests.update(
            self._conversation(sub, old.id),
            "SET #status = :archived, ActivitySK = :activity" + _UNUSED_INDEX_KEYS,
            condition=f"#status = :active AND attribute_not_exists(deleted_ms) AND {_LEASE_FREE}",
            names={"#status": "status"},
            values={
                "active": "active",
                "archived": "archived",
                "now": now,
                **activity(old, "archived", old.activity_ms),
            },
        )

    def unarchive(self, sub: str, conv: ConversationRecord) -> dict[str, Any]:
        return self._requests.update(
            self._conversation(sub, conv.id),
            "SET #status = :active, ActivitySK = :activity" + _UNUSED_INDEX_KEYS,
            condition="#status = :archived AND attribute_not_exists(deleted_ms)",
            names={"#status": "status"},
            values={
                "active": "active",
                "archived": "archived",
                **activity(conv, "active", conv.activity_ms),
            },
        )

    def rename(
        self, sub: str, conversation_id: str, now: int, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """``changes``: the new title and/or metadata (what the caller sent)."""
        sets = ["updated_ms = :now", *(f"{name} = :{name}" for name in changes)]
        return self._requests.update(
            self._conversation(sub, conversation_id),
            "SET " + ", ".join(sets),
            condition=_LIVE,
            values={"now": now, **changes},
        )

    def generated_title(self, sub: str, conversation_id: str, title: str) -> dict[str, Any]:
        """The model's title, unless the user chose one meanwhile (or deleted it)."""
        return self._requests.update(
            self._conversation(sub, conversation_id),
            "SET title = :title",
            condition=f"{_LIVE} AND (attribute_not_exists(title_by_user) OR title_by_user = :no)",
            values={"title": title, "no": False},
        )

    def soft_delete(self, sub: str, conv: ConversationRecord, now: int, ttl: int) -> dict[str, Any]:
        """Out of every list at once (index keys removed); TTL purges it later.
        Conditioned on the message count read, so the stats' message total stays exact."""
        return self._requests.update(
            self._conversation(sub, conv.id),
            "SET deleted_ms = :now, #ttl = :ttl REMOVE ActivitySK, LSI1SK, LSI2SK",
            condition="attribute_not_exists(deleted_ms) AND message_count = :count "
            f"AND #status = :status AND {_still_counted('feedback_up', 'up')} "
            f"AND {_still_counted('feedback_down', 'down')}",
            names={"#ttl": "ttl", "#status": "status"},
            values={
                "now": now,
                "ttl": ttl,
                "count": conv.message_count,
                "status": conv.status,
                "up": conv.feedback_up,
                "down": conv.feedback_down,
            },
        )

    def conversation_rated(
        self, sub: str, conversation_id: str, seq: int, up: int, down: int, now: int
    ) -> dict[str, Any]:
        """The conversation's own count of rated replies (what its delete subtracts from
        the user's totals); only while it is live, so a rating never outlives a delete,
        and not while a regeneration replaces this reply (its version keeps the rating
        it had when the regeneration began)."""
        return self._requests.update(
            self._conversation(sub, conversation_id),
            "ADD feedback_up :up, feedback_down :down",
            condition=f"{_LIVE} AND (attribute_not_exists(turn_replaces) OR "
            "turn_replaces <> :seq OR turn_lease_until < :now)",
            values={"up": up, "down": down, "seq": seq, "now": now},
        )

    # ------------------------------------------------------------------ ownership
    def new_ownership(self, sub: str, conversation_id: str, now: int) -> dict[str, Any]:
        """Who owns a conversation id: tells 403 (someone else's) from 404."""
        return self._requests.put_new(
            to_item(
                {
                    "PK": keys.ownership_pk(conversation_id),
                    "SK": keys.OWNERSHIP_SK,
                    "type": "ownership",
                    "owner": sub,
                    "created_ms": now,
                }
            )
        )

    def expire_ownership(self, conversation_id: str, ttl: int) -> dict[str, Any]:
        return self._requests.update(
            {"PK": keys.ownership_pk(conversation_id), "SK": keys.OWNERSHIP_SK},
            "SET #ttl = :ttl",
            names={"#ttl": "ttl"},
            values={"ttl": ttl},
        )
