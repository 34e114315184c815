"""Reading conversations and their messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from chat_core.clock import now_ms
from chat_core.models import ConversationWithMessages, MessagePage
from chat_core.repository.port import ChatRepository
from chat_core.services.api_shapes import conversation_to_api, message_to_api
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
        binding = f"messages|{sub}|{conversation_id}|{order}"
        start_key = self._cursors.decode(cursor, binding)
        require_conversation(self._repo, sub, conversation_id)
        page = self._repo.page_messages(
            sub, conversation_id, limit=limit, ascending=order == "asc", start_key=start_key
        )
        return MessagePage(
            items=[message_to_api(m) for m in page.items],
            next_cursor=self._cursors.encode(page.last_key, binding),
        )
