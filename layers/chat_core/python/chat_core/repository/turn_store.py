"""A turn's writes: the claim (claim_items.py), the lease kept, the reply or the
failure (reply_items.py), a reservation given back; and the failed request a rerun
answers. Each is one transaction or one conditional update.
"""

from __future__ import annotations

from chat_core.repository import keys
from chat_core.repository.claim_items import claim_items
from chat_core.repository.item_writes import ItemWrites
from chat_core.repository.message_store import MessageStore
from chat_core.repository.port import FailedRequest, TurnClaim, TurnLost, TurnResult
from chat_core.repository.rate_spend import RateSpend, held, released
from chat_core.repository.records import Quota
from chat_core.repository.refusals import ClaimRejected, Refusal, WriteConflict
from chat_core.repository.reply_items import failed_items, reply_items
from chat_core.repository.stats_store import StatsStore
from chat_core.repository.table import Table
from chat_core.repository.transactions import NamedItem, transact, update_if


class TurnStore:
    def __init__(
        self, table: Table, writes: ItemWrites, messages: MessageStore, stats: StatsStore
    ) -> None:
        self._table = table
        self._writes = writes
        self._messages = messages
        self.stats = stats
        self._read_strongly: set[str] = set()  # users whose last claim read stale budgets

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
        spend = self._spend(claim, self.stats.quota(claim.sub, consistent=strongly))
        if spend.spent() is Refusal.DAY_BUDGET_SPENT and not strongly:
            # A reservation given back since (a failed or dead turn) may not show in an
            # eventually consistent read: refuse only on what a strong one sees.
            spend = self._spend(claim, self.stats.quota(claim.sub, consistent=True))
        spent = spend.spent()
        if spent:
            raise ClaimRejected(spent)  # no write could succeed
        try:
            transact(self._table.client, claim_items(self._writes, claim, spend))
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
            replaced = self._messages.get_message(
                claim.sub, claim.conversation.id, result.reply.seq
            )
            if replaced is None or replaced.id != claim.replaces.id:
                raise TurnLost("message")
        self._as_turn(reply_items(self._writes, claim, result, replaced, now))

    def fail_turn(self, claim: TurnClaim, now: int) -> None:
        """The model failed: mark the user message failed and release the lease; keep
        all (reply_items.failed_items)."""
        self._as_turn(failed_items(self._writes, claim, now))

    def give_back(self, claim: TurnClaim, now: int) -> None:
        """A turn whose conversation was deleted under it gives its reservation back."""
        self._table.client.update_item(
            **self._writes.counters.day_tokens(
                claim.sub, -held(claim.reserved_tokens, claim.now, now)
            )["Update"]
        )

    def _as_turn(self, items: list[NamedItem]) -> None:
        """A running turn's write: a refused condition means it lost its conversation."""
        try:
            transact(self._table.client, items)
        except WriteConflict:
            raise
        except ClaimRejected as exc:
            raise TurnLost(exc.reason) from exc

    def extend_lease(self, claim: TurnClaim, lease_until: int) -> None:
        """A long reply keeps its conversation: one small conditional update per half lease."""
        update = self._writes.conversations.extend_lease(
            claim.sub, claim.conversation.id, claim.turn_id, lease_until
        )
        if update_if(self._table.client, update) is None:
            raise TurnLost("lease")

    def failed_request(self, sub: str, request_key: str) -> FailedRequest | None:
        """The failed turn a retry with this Idempotency-Key answers (one GetItem)."""
        values = self._table.get(keys.user_pk(sub), keys.failed_request_sk(request_key))
        if values is None:
            return None
        return FailedRequest(str(values["conversation_id"]), int(values["seq"]))
