"""Reading conversations and their messages (pages of them, parts of an export)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from chat_core.clock import now_ms
from chat_core.models import (
    ConversationWithMessages,
    ExportFormat,
    ExportPage,
    Message,
    MessagePage,
)
from chat_core.repository.port import ChatRepository
from chat_core.repository.records import ConversationRecord
from chat_core.services.api_shapes import conversation_to_api, message_to_api
from chat_core.services.export import EXPORT_PART_MESSAGES, export_page
from chat_core.services.ownership import require_conversation
from chat_core.services.pagination import CursorCodec


class ConversationReader:
    def __init__(
        self, repo: ChatRepository, cursors: CursorCodec, clock: Callable[[], int] = now_ms
    ) -> None:
        self._repo = repo
        self._cursors = cursors
        self._clock = clock  # whether a reply is being written is a question of time

    def get_with_messages(
        self, sub: str, conversation_id: str, message_limit: int
    ) -> ConversationWithMessages:
        """The conversation and its latest messages, oldest first: two requests."""
        conversation = require_conversation(self._repo, sub, conversation_id)
        latest = (
            self._repo.latest_messages(sub, conversation_id, message_limit) if message_limit else []
        )
        return ConversationWithMessages(
            **conversation_to_api(conversation, self._clock()).model_dump(),
            messages=[message_to_api(m) for m in reversed(latest)],
        )

    def page_messages(
        self,
        sub: str,
        conversation_id: str,
        *,
        limit: int,
        order: Literal["asc", "desc"],
        cursor: str | None,
    ) -> MessagePage:
        """One page of messages: the ownership check and one Query."""
        _, messages, next_cursor = self._messages_page(
            sub,
            conversation_id,
            f"messages|{sub}|{conversation_id}|{order}",
            limit=limit,
            ascending=order == "asc",
            cursor=cursor,
        )
        return MessagePage(items=messages, next_cursor=next_cursor)

    def export_part(
        self,
        sub: str,
        conversation_id: str,
        export_format: ExportFormat,
        cursor: str | None,
        *,
        include_reasoning: bool = False,
    ) -> ExportPage:
        """One part of the export (services/export.py): the same two requests."""
        conversation, messages, next_cursor = self._messages_page(
            sub,
            conversation_id,
            f"export|{sub}|{conversation_id}|{export_format}",
            limit=EXPORT_PART_MESSAGES,
            ascending=True,
            cursor=cursor,
        )
        return export_page(
            conversation_to_api(conversation, self._clock()),
            messages,
            export_format,
            first=cursor is None,
            next_cursor=next_cursor,
            include_reasoning=include_reasoning,
        )

    def _messages_page(
        self,
        sub: str,
        conversation_id: str,
        binding: str,
        *,
        limit: int,
        ascending: bool,
        cursor: str | None,
    ) -> tuple[ConversationRecord, list[Message], str | None]:
        """The cursor checked against what it was issued for, then the ownership check
        (one GetItem) and one Query; the next cursor bound the same way."""
        start_key = self._cursors.decode(cursor, binding)
        conversation = require_conversation(self._repo, sub, conversation_id)
        page = self._repo.page_messages(
            sub, conversation_id, limit=limit, ascending=ascending, start_key=start_key
        )
        messages = [message_to_api(m) for m in page.items]
        return conversation, messages, self._cursors.encode(page.last_key, binding)
