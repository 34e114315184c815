"""Live items: the user's open WebSocket connections and Stop requests, small items
with a TTL in the user's partition that a running turn polls (rejoin, Stop)."""

from __future__ import annotations

from chat_core.repository import keys
from chat_core.repository.codec import to_item
from chat_core.repository.port import LiveState
from chat_core.repository.table import Table
from chat_core.repository.transactions import Writes


class LiveStore:
    def __init__(self, table: Table) -> None:
        self._table = table
        self._requests = Writes(table.name)

    def add_connection(self, sub: str, connection_id: str, now: int, ttl: int) -> None:
        self._table.client.put_item(
            **self._requests.put(
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
        self._table.client.delete_item(
            TableName=self._table.name,
            Key=to_item({"PK": keys.user_pk(sub), "SK": keys.live_connection_sk(connection_id)}),
        )

    def request_stop(self, sub: str, conversation_id: str, turn_id: str, ttl: int) -> None:
        self._table.client.put_item(
            **self._requests.put(
                {
                    "PK": keys.user_pk(sub),
                    "SK": keys.live_stop_sk(turn_id),
                    "type": "stop",
                    "conversation_id": conversation_id,
                    "ttl": ttl,
                }
            )["Put"]
        )

    def connections_of(self, sub: str) -> list[str]:
        """The user's open connections, oldest first: one eventually consistent Query
        of their live items (a few bytes each)."""
        rows = self._table.query(
            keys.user_pk(sub),
            ("SK", keys.LIVE_CONNECTION_PREFIX),
            limit=None,
            ProjectionExpression="SK, connected_ms",
        )
        rows.sort(key=lambda r: int(r.get("connected_ms", 0)))
        return [str(r["SK"]).removeprefix(keys.LIVE_CONNECTION_PREFIX) for r in rows]

    def live_state(self, sub: str) -> LiveState:
        """The user's open connections and Stop requests: one eventually consistent Query.

        A running turn asks this every LIVE_POLL_SECONDS; the items are tiny, so each
        poll is 0.5 read units. Eventual consistency only delays a rejoin or a Stop by
        a poll or so.
        """
        rows = self._table.query(
            keys.user_pk(sub), ("SK", keys.LIVE_PREFIX), limit=None, ProjectionExpression="SK"
        )
        sort_keys = [str(r["SK"]) for r in rows]

        def ids(prefix: str) -> frozenset[str]:
            return frozenset(k.removeprefix(prefix) for k in sort_keys if k.startswith(prefix))

        return LiveState(
            connections=ids(keys.LIVE_CONNECTION_PREFIX),
            stop_requested=ids(keys.LIVE_STOP_PREFIX),
        )
