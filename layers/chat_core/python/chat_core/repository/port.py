"""The storage port: what the services need from storage, nothing about DynamoDB.

Services depend on this protocol so unit tests can run them on moto or a fake, and
so the access patterns (and their costs) are listed in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from chat_core.repository.faults import StorageFault
from chat_core.repository.records import (
    ConversationRecord,
    Feedback,
    MessageRecord,
    MessageVersion,
    Page,
    StatsRecord,
)
from chat_core.repository.refusals import ClaimRejected, Refusal, WriteConflict
from chat_core.repository.turn_kinds import TurnClaim

__all__ = ["ClaimRejected", "Refusal", "StorageFault", "TurnClaim", "WriteConflict"]


class TurnLost(Exception):
    """The turn no longer holds its lease (expired and taken, or conversation deleted)."""


@dataclass(frozen=True)
class FailedRequest:
    """Where a turn started with an Idempotency-Key failed: the message a retry answers."""

    conversation_id: str
    seq: int


@dataclass(frozen=True)
class LiveState:
    """What a running turn needs to know each poll: where to send, and whether to stop."""

    connections: frozenset[str]
    stop_requested: frozenset[str]  # turn ids


@dataclass(frozen=True)
class TurnResult:
    reply: MessageRecord
    prompt_tokens: int
    completion_tokens: int


class ConversationPort(Protocol):
    """Conversations: one, the user's list, and their changes outside a turn."""

    def get_conversation(self, sub: str, conversation_id: str) -> ConversationRecord | None: ...

    def owner_of(self, conversation_id: str) -> str | None: ...

    def active_conversations(
        self, sub: str, agent_type: str, limit: int
    ) -> list[ConversationRecord]: ...

    def list_conversations(
        self,
        sub: str,
        *,
        status: str,
        agent_type: str | None,
        limit: int,
        start_key: dict[str, object] | None,
    ) -> Page[ConversationRecord]: ...

    def search_conversations(
        self,
        sub: str,
        title_matches: Callable[[str], bool],
        *,
        limit: int,
        start_key: dict[str, object] | None,
    ) -> Page[ConversationRecord]: ...

    def create_conversation(
        self,
        sub: str,
        conv: ConversationRecord,
        archive: list[ConversationRecord],
        observed_active: int,
    ) -> None: ...

    def update_conversation(
        self,
        sub: str,
        conversation_id: str,
        *,
        title: str | None,
        metadata: dict[str, str] | None,
        now: int,
    ) -> ConversationRecord | None: ...

    def set_generated_title(self, sub: str, conversation_id: str, title: str) -> bool: ...

    def change_status(
        self,
        sub: str,
        conv: ConversationRecord,
        status: str,
        now: int,
        archive: list[ConversationRecord],
        observed_active: int,
    ) -> None: ...

    def delete_conversation(
        self, sub: str, conv: ConversationRecord, now: int, ttl: int
    ) -> None: ...

    def deleted_conversation_of(self, stream_keys: Mapping[str, object]) -> tuple[str, str]: ...


class MessagePort(Protocol):
    """Messages: the latest, pages, one and its versions, a rating, the purge."""

    def latest_messages(
        self, sub: str, conversation_id: str, limit: int
    ) -> list[MessageRecord]: ...

    def page_messages(
        self,
        sub: str,
        conversation_id: str,
        *,
        limit: int,
        ascending: bool,
        start_key: dict[str, object] | None,
    ) -> Page[MessageRecord]: ...

    def get_message(self, sub: str, conversation_id: str, seq: int) -> MessageRecord | None: ...

    def get_message_version(
        self, sub: str, conversation_id: str, message: MessageRecord, version: int
    ) -> MessageVersion | None: ...

    def rate_message(
        self,
        sub: str,
        conv: ConversationRecord,
        message: MessageRecord,
        feedback: Feedback | None,
        now: int,
    ) -> None: ...

    def settle_paused(
        self, sub: str, reply: MessageRecord, was: MessageRecord, now: int
    ) -> None: ...

    def purge_messages(self, sub: str, conversation_id: str) -> int: ...


class TurnPort(Protocol):
    """A turn's writes, from its claim to its reply or failure."""

    def begin_turn(self, claim: TurnClaim) -> None: ...

    def finish_turn(self, claim: TurnClaim, result: TurnResult, now: int) -> None: ...

    def fail_turn(self, claim: TurnClaim, now: int) -> None: ...

    def give_back(self, claim: TurnClaim, now: int) -> None: ...

    def extend_lease(self, claim: TurnClaim, lease_until: int) -> None: ...

    def failed_request(self, sub: str, request_key: str) -> FailedRequest | None: ...


class LivePort(Protocol):
    """The user's open connections and Stop requests."""

    def live_state(self, sub: str) -> LiveState: ...

    def add_connection(self, sub: str, connection_id: str, now: int, ttl: int) -> None: ...

    def connections_of(self, sub: str) -> list[str]:
        """The user's open connections, oldest first."""
        ...

    def remove_connection(self, sub: str, connection_id: str) -> None: ...

    def request_stop(self, sub: str, conversation_id: str, turn_id: str, ttl: int) -> None: ...


class StatsPort(Protocol):
    """The user's counters."""

    def get_stats(self, sub: str) -> StatsRecord: ...


class ChatRepository(ConversationPort, MessagePort, TurnPort, LivePort, StatsPort, Protocol):
    """All of storage, for the wiring; a service that needs a part takes that port."""
