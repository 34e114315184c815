"""The user's per-minute counter of changes and searches: an item per user and minute
(``RATE#ACTIONS#<minute>`` in the user's partition), gone by TTL after its minute."""

from __future__ import annotations

from typing import Any

from chat_core.repository import keys
from chat_core.repository.transactions import FaultTranslatingClient, Writes, make_client, update_if


class ActionCounters:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self._client = FaultTranslatingClient(client or make_client())
        self._writes = Writes(table_name)

    def spend(self, sub: str, minute: int, limit: int, ttl: int) -> bool:
        """One of the minute's ``limit``: one conditional UpdateItem (1 write unit);
        False when they are spent (nothing written)."""
        key = {"PK": keys.user_pk(sub), "SK": keys.action_budget_sk(str(minute))}
        return update_if(self._client, self._writes.spend_once(key, limit, ttl)) is not None
