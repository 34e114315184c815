"""The user's open WebSocket connections (where running turns send their events)."""

from __future__ import annotations

from collections.abc import Callable

from chat_core.clock import now_ms
from chat_core.repository.port import ChatRepository

# API Gateway closes a WebSocket after two hours; the item outlives it a little in
# case $disconnect never ran.
CONNECTION_TTL_SECONDS = 2 * 3600 + 300


class LiveConnections:
    def __init__(self, repo: ChatRepository, clock: Callable[[], int] = now_ms) -> None:
        self._repo = repo
        self._clock = clock

    def connected(self, sub: str, connection_id: str) -> None:
        now = self._clock()
        self._repo.add_connection(sub, connection_id, now, now // 1000 + CONNECTION_TTL_SECONDS)

    def disconnected(self, sub: str, connection_id: str) -> None:
        self._repo.remove_connection(sub, connection_id)
