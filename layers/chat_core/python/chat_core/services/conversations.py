"""The conversation sidebar: create, list, rename, delete (README "Access patterns")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from chat_core.agent.catalogue import resolve_agent
from chat_core.clock import now_ms
from chat_core.errors import ConversationBusy
from chat_core.ids import new_id
from chat_core.models import (
    Conversation,
    ConversationPage,
    ConversationStatus,
    CreateConversationRequest,
    UpdateConversationRequest,
)
from chat_core.repository.port import ChatRepository
from chat_core.repository.records import ConversationRecord
from chat_core.services.active_cap import plan_cap
from chat_core.services.api_shapes import conversation_to_api
from chat_core.services.ownership import raise_missing, require_conversation
from chat_core.services.pagination import CursorCodec
from chat_core.services.retry_policy import LOST_RACES, RetryPolicy
from chat_core.services.titles import DEFAULT_TITLE
from chat_core.settings import Settings


class ConversationService:
    def __init__(
        self,
        repo: ChatRepository,
        cursors: CursorCodec,
        settings: Settings,
        clock: Callable[[], int] = now_ms,
        ids: Callable[[], str] = new_id,
        retry: RetryPolicy = LOST_RACES,
    ) -> None:
        self._repo = repo
        self._cursors = cursors
        self._settings = settings
        self._clock = clock
        self._ids = ids
        self._retry = retry

    def create(self, sub: str, request: CreateConversationRequest) -> Conversation:
        """An empty conversation; one more than the cap archives the least recently active."""
        agent = resolve_agent(request.agent_type)

        def attempt() -> Conversation:
            now = self._clock()
            conversation = ConversationRecord.new(
                id=self._ids(),
                sub=sub,
                title=request.title or DEFAULT_TITLE,
                agent_type=agent.name,
                now=now,
                first_message=False,
                metadata=request.metadata,
                title_by_user=request.title is not None,  # never replaced by a generated one
            )
            observed, archive = plan_cap(
                self._repo, sub, agent.name, self._settings.max_active_conversations, now
            )
            self._repo.create_conversation(sub, conversation, archive, observed)
            return conversation_to_api(conversation)

        return self._retry.run(attempt, self._too_busy)

    def list(
        self,
        sub: str,
        *,
        status: ConversationStatus,
        agent_type: str | None,
        limit: int,
        cursor: str | None,
    ) -> ConversationPage:
        if agent_type is not None:
            resolve_agent(agent_type)
        # Named for the index the cursor's key belongs to: a cursor holding a key
        # of the unused local indexes is then a clear 400, not a failed Query.
        binding = f"conversations|ByActivity|{sub}|{status}|{agent_type or ''}"
        start_key = self._cursors.decode(cursor, binding)
        page = self._repo.list_conversations(
            sub, status=status, agent_type=agent_type, limit=limit, start_key=start_key
        )
        return ConversationPage(
            items=[conversation_to_api(c, self._clock()) for c in page.items],
            next_cursor=self._cursors.encode(page.last_key, binding),
        )

    def update(
        self, sub: str, conversation_id: str, request: UpdateConversationRequest
    ) -> Conversation:
        if request.status is not None:
            changed = self._change_status(sub, conversation_id, request.status)
            if request.title is None and request.metadata is None:
                return conversation_to_api(changed, self._clock())
        updated = self._repo.update_conversation(
            sub,
            conversation_id,
            title=request.title,
            metadata=request.metadata,
            now=self._clock(),
        )
        if updated is None:
            raise_missing(self._repo, sub, conversation_id)
        return conversation_to_api(updated)

    def _change_status(
        self, sub: str, conversation_id: str, status: ConversationStatus
    ) -> ConversationRecord:
        """Archive or unarchive; unarchiving respects the active cap as creating does.
        The conversation as it now is (no second read)."""

        def attempt() -> ConversationRecord:
            conversation = require_conversation(self._repo, sub, conversation_id)
            if conversation.status == status:
                return conversation
            now = self._clock()
            if conversation.turn_in_flight(now):
                raise ConversationBusy(
                    "A reply is being written in this conversation; retry when it is done.",
                    retry_after=self._settings.busy_retry_after_seconds,
                )
            observed, archive = 0, list[ConversationRecord]()
            if status == "active":
                observed, archive = plan_cap(
                    self._repo,
                    sub,
                    conversation.agent_type,
                    self._settings.max_active_conversations,
                    now,
                    joining=conversation.id,
                )
            self._repo.change_status(sub, conversation, status, now, archive, observed)
            return replace(conversation, status=status)

        return self._retry.run(attempt, self._too_busy)

    def delete(self, sub: str, conversation_id: str) -> None:
        """Soft delete; re-read and retried when a turn changed the conversation meanwhile."""
        retention_s = self._settings.deleted_retention_days * 86_400

        def attempt() -> None:
            conversation = require_conversation(self._repo, sub, conversation_id)
            now = self._clock()
            self._repo.delete_conversation(sub, conversation, now, now // 1000 + retention_s)
            if conversation.turn_id and conversation.turn_in_flight(now):
                # Stop the reply being written at once, rather than when its lease runs out.
                self._repo.request_stop(
                    sub, conversation_id, conversation.turn_id, now // 1000 + 3600
                )

        self._retry.run(attempt, self._too_busy)

    def _too_busy(self) -> ConversationBusy:
        return ConversationBusy(
            "Too many changes to your conversations at once; retry shortly.",
            retry_after=self._settings.busy_retry_after_seconds,
        )
