"""Stop: ends the reply being generated, keeping what was written.

A Lambda is not stopped when its client goes away, and nothing can call into a
running one, so Stop is a small item the running turn finds at its next poll (at
most LIVE_POLL_SECONDS later); the turn then closes the model stream, stores the text
so far as a ``stopped`` reply and releases the conversation.
"""

from __future__ import annotations

from collections.abc import Callable

from chat_core.clock import now_ms
from chat_core.errors import NoTurnInProgress
from chat_core.models import StopAccepted
from chat_core.repository.port import ChatRepository
from chat_core.services.ownership import require_conversation

STOP_TTL_SECONDS = 3600


class StopTurn:
    def __init__(self, repo: ChatRepository, clock: Callable[[], int] = now_ms) -> None:
        self._repo = repo
        self._clock = clock

    def request(self, sub: str, conversation_id: str) -> StopAccepted:
        conversation = require_conversation(self._repo, sub, conversation_id)
        now = self._clock()
        if conversation.turn_id is None or not conversation.turn_in_flight(now):
            raise NoTurnInProgress()
        self._repo.request_stop(
            sub, conversation_id, conversation.turn_id, now // 1000 + STOP_TTL_SECONDS
        )
        return StopAccepted(conversation_id=conversation_id, turn_id=conversation.turn_id)
