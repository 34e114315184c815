"""Stop: ends the reply being generated, keeping what was written.

A Lambda is not stopped when its client goes away, and nothing can call into a
running one, so Stop is a small item the running turn finds at its next poll (at
most LIVE_POLL_SECONDS later); the turn then closes the model stream, stores the text
so far as a ``stopped`` reply and releases the conversation.

A turn that waits for the user's approval runs nowhere: Stop settles its reply at
once, ``stopped``, its pending calls rejected (they never run).
"""

from __future__ import annotations

from collections.abc import Callable

from chat_core.clock import now_ms
from chat_core.errors import NoTurnInProgress
from chat_core.models import StopAccepted
from chat_core.replies import ReplyEnding
from chat_core.repository.port import ChatRepository
from chat_core.repository.records import Approval
from chat_core.repository.refusals import ClaimRejected
from chat_core.repository.turn_kinds import settled_unrun
from chat_core.services.ownership import require_conversation
from chat_core.services.paused_turns import STOPPED_OUTPUT

STOP_TTL_SECONDS = 3600


class StopTurn:
    def __init__(self, repo: ChatRepository, clock: Callable[[], int] = now_ms) -> None:
        self._repo = repo
        self._clock = clock

    def request(self, sub: str, conversation_id: str, *, retried: bool = False) -> StopAccepted:
        conversation = require_conversation(self._repo, sub, conversation_id)
        now = self._clock()
        if conversation.turn_id is None or not conversation.turn_in_flight(now):
            if retried:
                raise NoTurnInProgress()
            return self._stop_paused(sub, conversation_id, now)
        self._repo.request_stop(
            sub, conversation_id, conversation.turn_id, now // 1000 + STOP_TTL_SECONDS
        )
        return StopAccepted(conversation_id=conversation_id, turn_id=conversation.turn_id)

    def _stop_paused(self, sub: str, conversation_id: str, now: int) -> StopAccepted:
        latest = self._repo.latest_messages(sub, conversation_id, 1)
        reply = latest[0] if latest else None
        if reply is None or reply.status != "awaiting_approval":
            raise NoTurnInProgress()
        stopped = settled_unrun(
            reply,
            ReplyEnding.STOPPED.status,
            ReplyEnding.STOPPED.value,
            lambda _: (Approval.REJECTED, STOPPED_OUTPUT),
        )
        try:
            self._repo.settle_paused(sub, stopped, was=reply, now=now)
        except ClaimRejected:
            # Decided meanwhile (its turn runs: stop that) or stopped already.
            return self.request(sub, conversation_id, retried=True)
        return StopAccepted(conversation_id=conversation_id, turn_id=None, status="stopped")
