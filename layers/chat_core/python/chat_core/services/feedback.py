"""Rating a reply: thumbs up or down with an optional comment (docs/api.md "Feedback").

One rating per reply (the conversation has one owner, so one per user), changed or
cleared at will; the user's totals in /v1/stats move in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from chat_core.clock import now_ms
from chat_core.errors import ConversationBusy, InvalidRequest, NotFound
from chat_core.models import FeedbackRequest, Message
from chat_core.repository.port import ChatRepository
from chat_core.repository.records import Feedback
from chat_core.services.api_shapes import message_to_api
from chat_core.services.ownership import require_conversation
from chat_core.services.retry_policy import LOST_RACES, RetryPolicy
from chat_core.settings import Settings


class FeedbackService:
    def __init__(
        self,
        repo: ChatRepository,
        settings: Settings,
        clock: Callable[[], int] = now_ms,
        retry: RetryPolicy = LOST_RACES,
    ) -> None:
        self._repo = repo
        self._settings = settings
        self._clock = clock
        self._retry = retry

    def rate(
        self, sub: str, conversation_id: str, seq: int, request: FeedbackRequest | None
    ) -> Message:
        """Set (``request``) or clear (None) the rating: two GetItems and one transaction,
        read again and retried when a concurrent rating or delete got there first."""

        def attempt() -> Message:
            conversation = require_conversation(self._repo, sub, conversation_id)
            message = self._repo.get_message(sub, conversation_id, seq)
            if message is None:
                raise NotFound("No message with this seq in this conversation.")
            if message.role != "assistant":
                raise InvalidRequest("Only the assistant's replies can be rated.")
            now = self._clock()
            if conversation.turn_replaces == seq and conversation.turn_in_flight(now):
                raise ConversationBusy(
                    "This reply is being regenerated; rate the new one when it is stored.",
                    retry_after=self._settings.busy_retry_after_seconds,
                )
            feedback = None
            if request is not None:
                feedback = Feedback(request.rating, request.comment, now)
            self._repo.rate_message(sub, conversation, message, feedback, now)
            return message_to_api(replace(message, feedback=feedback))

        return self._retry.run(attempt, self._too_busy)

    def _too_busy(self) -> ConversationBusy:
        return ConversationBusy(
            "This reply's rating is changing too often at once; retry shortly.",
            retry_after=self._settings.busy_retry_after_seconds,
        )
