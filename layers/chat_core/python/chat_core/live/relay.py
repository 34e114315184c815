"""Sends one running turn's events to every open connection of its user.

The turn does not know who is watching: each poll (one Query of the user's live
items) tells it the user's open connections. A connection it has not seen yet (a
reload, a second tab, a network that came back) gets ``turn.started`` with the text
so far, then the deltas like everyone else: a live reply is rejoined without a
single write per delta. A connection that is gone is dropped (and its item removed,
so the next turn does not try it again).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel

from chat_core.live.connections import MAX_CONNECTIONS_PER_USER, ConnectionPoster
from chat_core.live.events import TurnDelta, TurnReasoning, TurnStarted
from chat_core.repository.port import ChatRepository, LiveState, StorageFault

# A WebSocket frame is at most 32 KB; a piece of text of this many characters stays
# under it even if every character took six bytes of JSON.
MAX_PIECE_CHARS = 4000
# The most one posted message may hold: API Gateway refuses a PostToConnection over
# 128 KB; what would not fit (a very long reply's turn.completed) is sent without it.
MAX_EVENT_BYTES = 120_000


class LiveRelay:
    def __init__(
        self,
        repo: ChatRepository,
        poster: ConnectionPoster,
        sub: str,
        started: Callable[[str], TurnStarted] | None = None,
    ) -> None:
        self._repo = repo
        self._poster = poster
        self._sub = sub
        # The turn.started event for a given text so far (None: no turn, see announce).
        self._started = started
        self._connections: set[str] = set()
        self._gone: set[str] = set()
        self._stop_requested: frozenset[str] = frozenset()
        self.posts = 0
        self.polled = False  # whether it has learnt the user's connections yet
        # The turn's tool events so far: a connection that joins late gets them too.
        self._tool_events: list[bytes] = []

    def poll(self, text_so_far: str, reasoning_so_far: str = "") -> LiveState | None:
        """Learns new connections (and sends them the reply so far); None if storage failed."""
        self.polled = True
        try:
            state = self._repo.live_state(self._sub)
        except StorageFault:
            return None  # keep streaming to whom we know; the next poll tries again
        # Bounded: connections that raced past the cap at $connect get nothing.
        room = MAX_CONNECTIONS_PER_USER - len(self._connections)
        joined = sorted(state.connections - self._connections - self._gone)[: max(0, room)]
        for connection_id in joined:
            self._connections.add(connection_id)
            self._catch_up(connection_id, text_so_far, reasoning_so_far)
        self._stop_requested = state.stop_requested
        return state

    def stop_requested(self, turn_id: str) -> bool:
        return turn_id in self._stop_requested

    def send(self, event: BaseModel) -> None:
        data = event.model_dump_json().encode()
        for connection_id in sorted(self._connections):
            self._post(connection_id, data)

    def send_tool_event(self, event: BaseModel) -> None:
        """A tool call or result: sent, and kept for connections that join later."""
        data = event.model_dump_json().encode()
        self._tool_events.append(data)
        for connection_id in sorted(self._connections):
            self._post(connection_id, data)

    def announce(self, event: BaseModel) -> None:
        """One event outside any turn (a new title) to every connection open now; a
        connection that is gone is dropped, as during a turn."""
        try:
            found = self._repo.live_state(self._sub).connections - self._gone
            self._connections |= set(sorted(found)[:MAX_CONNECTIONS_PER_USER])
        except StorageFault:
            return  # what it announces is stored: clients see it on their next read
        self.send(event)

    def send_text(self, conversation_id: str, turn_id: str, offset: int, text: str) -> None:
        for delta in _deltas(TurnDelta, conversation_id, turn_id, offset, text):
            self.send(delta)

    def send_reasoning(self, conversation_id: str, turn_id: str, offset: int, text: str) -> None:
        for piece in _deltas(TurnReasoning, conversation_id, turn_id, offset, text):
            self.send(piece)

    def _catch_up(self, connection_id: str, text: str, reasoning: str) -> None:
        """turn.started with the start of the text, then the reasoning so far, then the
        rest of the text: each in pieces that fit a frame."""
        if self._started is None:
            return
        started = self._started(text[:MAX_PIECE_CHARS])
        ids = (started.conversation_id, started.turn_id)
        thought = _deltas(TurnReasoning, *ids, 0, reasoning)
        rest = _deltas(TurnDelta, *ids, MAX_PIECE_CHARS, text[MAX_PIECE_CHARS:])
        opening = [e.model_dump_json().encode() for e in (started, *thought)]
        closing = [e.model_dump_json().encode() for e in rest]
        for data in (*opening, *self._tool_events, *closing):
            if not self._post(connection_id, data):
                return

    def _post(self, connection_id: str, data: bytes) -> bool:
        self.posts += 1
        delivery = self._poster.post(connection_id, data)
        if delivery == "delivered":
            return True
        if delivery == "failed":
            return False  # a throttle or a timeout: keep the connection for what follows
        self._connections.discard(connection_id)
        self._gone.add(connection_id)
        with contextlib.suppress(StorageFault):  # else its TTL removes it
            self._repo.remove_connection(self._sub, connection_id)
        return False


Piece = TypeVar("Piece", TurnDelta, TurnReasoning)


def _deltas(
    kind: type[Piece], conversation_id: str, turn_id: str, offset: int, text: str
) -> list[Piece]:
    """``text`` (starting at ``offset`` of the reply or reasoning) in pieces small enough
    for one frame."""
    return [
        kind(
            conversation_id=conversation_id,
            turn_id=turn_id,
            offset=offset + start,
            text=text[start : start + MAX_PIECE_CHARS],
        )
        for start in range(0, len(text), MAX_PIECE_CHARS)
    ]
