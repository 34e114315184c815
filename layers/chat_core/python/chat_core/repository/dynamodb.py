"""DynamoDB implementation of the storage port: the access patterns (docs/design.md "Data").

Every method is a fixed, small number of requests whatever the size of the data:
reads (table_reads.py) are GetItem or a bounded Query on a key, writes are single transactions whose
conditions keep ``seq`` contiguous, the turn lease exclusive and counters exact. What
each item write checks is in item_writes.py; which writes go together is here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chat_core.repository import keys
from chat_core.repository.claim_items import claim_items, creation_items
from chat_core.repository.codec import conversation_from, from_item, quota_from, to_item
from chat_core.repository.item_writes import ItemWrites
from chat_core.repository.port import TurnClaim, TurnLost, TurnResult
from chat_core.repository.rate_spend import RateSpend, held, released
from chat_core.repository.records import ConversationRecord, Feedback, MessageRecord, Quota
from chat_core.repository.refusals import ClaimRejected, Item, Refusal, WriteConflict
from chat_core.repository.reply_items import failed_items, reply_items
from chat_core.repository.table_reads import TableReads
from chat_core.repository.transactions import NamedItem, transact, update_if


class DynamoChatRepository(TableReads):
    """The table behind the API; safe to share across threads and invocations."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        super().__init__(table_name, client)
        self.writes = ItemWrites(table_name)
        self._read_strongly: set[str] = set()  # users whose last claim read stale budgets

    # ------------------------------------------------------------------ turn writes
    def begin_turn(self, claim: TurnClaim) -> None:
        """Transaction 1: claim the turn, store the user message, spend the rate budget.

        Raises ClaimRejected with the reason of the first failed condition, so the
        service can answer 409/429/404 or retry: a spent budget, or the counters or
        budgets moved since they were read (retried).
        The rate budgets live on the stats item; one eventually consistent GetItem of
        it (half a read unit) chooses the update that spends them (RateSpend).
        """
        # After a COUNTERS_MOVED refusal this user's next claim reads strongly: a read that
        # lags a minute's or a day's turn would otherwise keep choosing the wrong update
        # until the retries ran out; read strongly, a spent budget is refused below.
        strongly = claim.sub in self._read_strongly
        self._read_strongly.discard(claim.sub)
        spend = self._spend(claim, self._quota(claim.sub, consistent=strongly))
        if spend.spent() is Refusal.DAY_BUDGET_SPENT and not strongly:
            # A reservation given back since (a failed or dead turn) may not show in an
            # eventually consistent read: refuse only on what a strong one sees.
            spend = self._spend(claim, self._quota(claim.sub, consistent=True))
        spent = spend.spent()
        if spent:
            raise ClaimRejected(spent)  # no write could succeed
        try:
            transact(self.client, claim_items(self.writes, claim, spend))
        except ClaimRejected as refused:
            if refused.reason is Refusal.COUNTERS_MOVED:
                self._read_strongly.add(claim.sub)
            raise

    @staticmethod
    def _spend(claim: TurnClaim, seen: Quota) -> RateSpend:
        """The claim's spending: its reservation, less a dead turn's reservation of
        today that taking over its expired lease gives back."""
        return RateSpend(
            seen,
            claim.now,
            claim.rate_limit_per_minute,
            claim.daily_token_budget,
            reserve=claim.reserved_tokens,
            released=0 if claim.creates else released(claim.conversation, claim.now),
        )

    def _quota(self, sub: str, *, consistent: bool) -> Quota:
        return quota_from(self._get(keys.user_pk(sub), keys.STATS_SK, consistent=consistent) or {})

    def finish_turn(self, claim: TurnClaim, result: TurnResult, now: int) -> None:
        """Transaction 2: store the reply, release the lease, bump every counter
        (reply_items.py).

        A regeneration's reply replaces the old one, which is read again here (one
        GetItem) so its version keeps the rating it ended with.
        TurnLost when the turn no longer holds its conversation; WriteConflict (still
        ours, the storage too contended to write now) is for the caller to retry.
        """
        replaced = None
        if claim.replaces is not None:
            replaced = self.get_message(claim.sub, claim.conversation.id, result.reply.seq)
            if replaced is None or replaced.id != claim.replaces.id:
                raise TurnLost("message")
        self._as_turn(reply_items(self.writes, claim, result, replaced, now))

    def fail_turn(self, claim: TurnClaim, now: int) -> None:
        """The model failed: mark the user message failed and release the lease; keep
        all (reply_items.failed_items)."""
        self._as_turn(failed_items(self.writes, claim, now))

    def give_back(self, claim: TurnClaim, now: int) -> None:
        """A turn whose conversation was deleted under it gives its reservation back."""
        self.client.update_item(
            **self.writes.day_tokens(claim.sub, -held(claim.reserved_tokens, claim.now, now))[
                "Update"
            ]
        )

    def _as_turn(self, items: list[NamedItem]) -> None:
        """A running turn's write: a refused condition means it lost its conversation."""
        try:
            transact(self.client, items)
        except WriteConflict:
            raise
        except ClaimRejected as exc:
            raise TurnLost(exc.reason) from exc

    def extend_lease(self, claim: TurnClaim, lease_until: int) -> None:
        """A long reply keeps its conversation: one small conditional update per half lease."""
        update = self.writes.extend_lease(
            claim.sub, claim.conversation.id, claim.turn_id, lease_until
        )
        if update_if(self.client, update) is None:
            raise TurnLost("lease")

    def add_connection(self, sub: str, connection_id: str, now: int, ttl: int) -> None:
        self.client.put_item(
            **self.writes.put(
                {
                    "PK": keys.user_pk(sub),
                    "SK": keys.live_connection_sk(connection_id),
                    "type": "connection",
                    "connected_ms": now,
                    "ttl": ttl,
                }
            )["Put"]
        )

    def remove_connection(self, sub: str, connection_id: str) -> None:
        self.client.delete_item(
            TableName=self.table,
            Key=to_item({"PK": keys.user_pk(sub), "SK": keys.live_connection_sk(connection_id)}),
        )

    def request_stop(self, sub: str, conversation_id: str, turn_id: str, ttl: int) -> None:
        self.client.put_item(
            **self.writes.put(
                {
                    "PK": keys.user_pk(sub),
                    "SK": keys.live_stop_sk(turn_id),
                    "type": "stop",
                    "conversation_id": conversation_id,
                    "ttl": ttl,
                }
            )["Put"]
        )

    # ------------------------------------------------------------------ conversations
    def create_conversation(
        self,
        sub: str,
        conv: ConversationRecord,
        archive: list[ConversationRecord],
        observed_active: int,
    ) -> None:
        """Conversation + ownership + cap archiving + counters, in one transaction."""
        items = creation_items(self.writes, sub, conv, conv.created_ms)
        items += self._joining_active(
            sub, conv.agent_type, archive, conv.created_ms, observed_active, created=True
        )
        transact(self.client, items)

    def update_conversation(
        self,
        sub: str,
        conversation_id: str,
        *,
        title: str | None,
        metadata: dict[str, str] | None,
        now: int,
    ) -> ConversationRecord | None:
        """Rename and/or replace metadata; None when there is no such live conversation."""
        # A title the user gives is theirs: a generated title never replaces it.
        changes = {"title": title, "title_by_user": True if title else None, "metadata": metadata}
        update = self.writes.rename(
            sub, conversation_id, now, {k: v for k, v in changes.items() if v is not None}
        )
        response = update_if(self.client, update, ReturnValues="ALL_NEW")
        return conversation_from(from_item(response["Attributes"])) if response else None

    def set_generated_title(self, sub: str, conversation_id: str, title: str) -> bool:
        """False when the user set a title first, or the conversation is gone."""
        update = self.writes.generated_title(sub, conversation_id, title)
        return update_if(self.client, update) is not None

    def change_status(
        self,
        sub: str,
        conv: ConversationRecord,
        status: str,
        now: int,
        archive: list[ConversationRecord],
        observed_active: int,
    ) -> None:
        """Archive or unarchive at the user's request: status, both index keys and the
        counters in one transaction. Unarchiving goes through the cap like a new
        conversation (``archive`` and ``observed_active`` from the cap's read);
        archiving is refused while a reply is being written, as the cap's is."""
        w = self.writes
        items: list[NamedItem]
        if status == "archived":
            items = [
                (Item.CONVERSATION, w.archive(sub, conv, now)),
                (Item.STATS, w.stats(sub, conv.agent_type, active=-1, archived=1)),
            ]
        else:
            items = [
                (Item.CONVERSATION, w.unarchive(sub, conv)),
                *self._joining_active(
                    sub, conv.agent_type, archive, now, observed_active, created=False
                ),
            ]
        transact(self.client, items)

    def delete_conversation(self, sub: str, conv: ConversationRecord, now: int, ttl: int) -> None:
        """Soft delete: out of every list and read at once, counters moved, TTL purges.

        Conditioned on the message count it read, so the stats' message total stays
        exact even when a turn commits concurrently (then the caller re-reads).
        """
        active = conv.status == "active"
        stats = self.writes.stats(
            sub,
            conv.agent_type,
            active=-1 if active else 0,
            archived=0 if active else -1,
            total=-1,
            messages=-conv.message_count,
            rated=(-conv.feedback_up, -conv.feedback_down),
        )
        transact(
            self.client,
            [
                (Item.CONVERSATION, self.writes.soft_delete(sub, conv, now, ttl)),
                (Item.OWNERSHIP, self.writes.expire_ownership(conv.id, ttl)),
                (Item.STATS, stats),
            ],
        )

    def rate_message(
        self,
        sub: str,
        conv: ConversationRecord,
        message: MessageRecord,
        feedback: Feedback | None,
        now: int,
    ) -> None:
        """Set, change or clear a reply's rating; the counters of the conversation (what
        its delete takes back) and of the user move by exactly the change, in the same
        transaction. Refused (MESSAGE_CHANGED) when the rating changed since it was
        read, (CONVERSATION_CHANGED) when the conversation was deleted meanwhile."""
        was = message.feedback.rating if message.feedback else None
        rating = feedback.rating if feedback else None
        up = (rating == "up") - (was == "up")
        down = (rating == "down") - (was == "down")
        w = self.writes
        items: list[NamedItem] = [
            (
                Item.MESSAGE,
                w.message_feedback(sub, conv.id, message.seq, message.id, was, feedback),
            ),
            (Item.CONVERSATION, w.conversation_rated(sub, conv.id, message.seq, up, down, now)),
        ]
        if up or down:
            items.append((Item.STATS, w.rating_stats(sub, up, down)))
        transact(self.client, items)

    def deleted_conversation_of(self, stream_keys: Mapping[str, object]) -> tuple[str, str]:
        """(sub, conversation id) of a conversation item's keys, as its TTL deletion
        reaches the purge function through the table's stream."""
        return keys.parse_conversation_key(str(stream_keys["PK"]), str(stream_keys["SK"]))

    def purge_messages(self, sub: str, conversation_id: str, batch: int = 25) -> int:
        """Deletes a purged conversation's messages and their superseded versions (called
        after its TTL expired); how many items it deleted."""
        deleted = 0
        for versions in (False, True):
            while rows := self._messages(sub, conversation_id, batch, versions=versions)[0]:
                self.client.batch_write_item(
                    RequestItems={
                        self.table: [
                            {"DeleteRequest": {"Key": to_item({"PK": r["PK"], "SK": r["SK"]})}}
                            for r in rows
                        ]
                    }
                )
                deleted += len(rows)
        return deleted

    def _joining_active(
        self,
        sub: str,
        agent_type: str,
        archive: list[ConversationRecord],
        now: int,
        observed_active: int,
        *,
        created: bool,
    ) -> list[NamedItem]:
        """One more active conversation (a new one, or one coming back from the archive)
        under the cap: archive what the cap's read chose, and move the counters on the
        condition that the active count is still what that read saw."""
        stats = self.writes.stats(
            sub,
            agent_type,
            active=1 - len(archive),
            archived=len(archive) - (0 if created else 1),
            total=1 if created else 0,
            observed_active=observed_active,
        )
        archived = [(Item.CAP, self.writes.archive(sub, old, now)) for old in archive]
        return [*archived, (Item.STATS, stats)]
