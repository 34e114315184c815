"""The user's open WebSocket connections (where running turns send their events).

A user has at most MAX_CONNECTIONS_PER_USER: each turn posts every event to each of
them (a billed PostToConnection apiece), so two hundred tabs would make one reply
tens of thousands of posts. A new connection past the cap replaces the oldest: that
one is told ``connection.replaced`` (its client then stops reconnecting) and closed,
so a new tab always gets live replies and a connection whose $disconnect never ran
stops counting.
"""

from __future__ import annotations

from collections.abc import Callable

from chat_core.clock import now_ms
from chat_core.live.connections import (
    MAX_CONNECTIONS_PER_USER,
    ConnectionManager,
    NoConnections,
)
from chat_core.live.events import ConnectionReplaced
from chat_core.repository.port import LivePort

# API Gateway closes a WebSocket after two hours; the item outlives it a little in
# case $disconnect never ran.
CONNECTION_TTL_SECONDS = 2 * 3600 + 300
_REPLACED = ConnectionReplaced().model_dump_json().encode()


class LiveConnections:
    def __init__(
        self,
        repo: LivePort,
        poster: ConnectionManager | None = None,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self._repo = repo
        self._poster = poster or NoConnections()
        self._clock = clock

    def connected(self, sub: str, connection_id: str) -> None:
        """Remembers the connection; past the cap, the oldest ones are closed. One Query
        of the user's connections, one PutItem (and a post, a close and a DeleteItem
        for each connection replaced)."""
        now = self._clock()
        others = self._repo.connections_of(sub)
        self._repo.add_connection(sub, connection_id, now, now // 1000 + CONNECTION_TTL_SECONDS)
        surplus = len(others) + 1 - MAX_CONNECTIONS_PER_USER
        for oldest in others[: max(0, surplus)]:
            self._poster.post(oldest, _REPLACED)
            self._poster.close(oldest)
            self._repo.remove_connection(sub, oldest)

    def disconnected(self, sub: str, connection_id: str) -> None:
        self._repo.remove_connection(sub, connection_id)
