"""The user's stats item: the counters the stats route shows and the rate budgets a
claim spends (records.StatsRecord, records.Quota)."""

from __future__ import annotations

from chat_core.repository import keys
from chat_core.repository.codec import quota_from, stats_from
from chat_core.repository.records import Quota, StatsRecord
from chat_core.repository.table import Table


class StatsStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    def get_stats(self, sub: str) -> StatsRecord:
        """The user's counters: one GetItem (missing counters read as zero)."""
        return stats_from(self._table.get(keys.user_pk(sub), keys.STATS_SK) or {})

    def quota(self, sub: str, *, consistent: bool) -> Quota:
        return quota_from(
            self._table.get(keys.user_pk(sub), keys.STATS_SK, consistent=consistent) or {}
        )
