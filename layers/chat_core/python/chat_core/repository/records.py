"""Stored records as the services see them (plain dataclasses, no DynamoDB types)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from chat_core.clock import iso_from_ms
from chat_core.models import Conversation, LiveTurn, Message, MessageStatus, Role


@dataclass(frozen=True)
class ConversationRecord:
    id: str
    owner: str
    title: str
    agent_type: str
    status: str
    created_ms: int
    updated_ms: int
    last_message_ms: int | None
    message_count: int
    metadata: dict[str, str] = field(default_factory=dict)
    turn_id: str | None = None
    turn_lease_until: int | None = None
    turn_seq: int | None = None  # the user message of the turn holding (or that held) the lease

    @property
    def activity_ms(self) -> int:
        """What "most recent activity" orders by: the last message, else creation."""
        return self.last_message_ms or self.created_ms

    def turn_in_flight(self, now_ms: int) -> bool:
        return self.turn_id is not None and (self.turn_lease_until or 0) >= now_ms

    def to_api(self, now_ms: int | None = None) -> Conversation:
        live = None
        if now_ms is not None and self.turn_in_flight(now_ms) and self.turn_id and self.turn_seq:
            live = LiveTurn(turn_id=self.turn_id, user_message_seq=self.turn_seq)
        return Conversation(
            live_turn=live,
            id=self.id,
            title=self.title,
            agent_type=self.agent_type,
            status="archived" if self.status == "archived" else "active",
            created_at=iso_from_ms(self.created_ms),
            updated_at=iso_from_ms(self.updated_ms),
            last_message_at=iso_from_ms(self.last_message_ms) if self.last_message_ms else None,
            message_count=self.message_count,
            metadata=dict(self.metadata),
        )


_ROLES: dict[str, Role] = {"user": "user", "assistant": "assistant", "system": "system"}
_STATUSES: dict[str, MessageStatus] = {
    "ok": "ok",
    "failed": "failed",
    "stopped": "stopped",
    "incomplete": "incomplete",
}


@dataclass(frozen=True)
class MessageRecord:
    id: str
    conversation_id: str
    seq: int
    role: str
    content: str
    created_ms: int
    status: str = "ok"
    tokens: int = 0

    def to_api(self) -> Message:
        return Message(
            id=self.id,
            conversation_id=self.conversation_id,
            seq=self.seq,
            role=_ROLES.get(self.role, "user"),
            content=self.content,
            created_at=iso_from_ms(self.created_ms),
            status=_STATUSES.get(self.status, "ok"),
        )


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    last_key: dict[str, object] | None
