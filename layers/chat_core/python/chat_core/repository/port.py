"""The storage port: what the services need from storage, nothing about DynamoDB.

Services depend on this protocol so unit tests can run them on moto or a fake, and
so the access patterns (and their costs) are listed in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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

__all__ = ["StorageFault"]


class ClaimRejected(Exception):
    """The turn's first transaction was refused; ``reason`` says which condition failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WriteConflict(ClaimRejected):
    """Another transaction touched one of the items at the same moment: nothing was
    written, and the same writes may succeed when tried again (the RetryPolicy's call)."""

    def __init__(self) -> None:
        super().__init__("conflict")


class TurnLost(Exception):
    """The turn no longer holds its lease (expired and taken, or conversation deleted)."""


@dataclass(frozen=True)
class Rewrite:
    """What a turn replaces instead of adding a message (docs/design.md "Versions").

    Regenerate: the last reply (``reply``), answered again from the same history.
    Continue: the same, but the new version starts with the cut reply's text and the
    model goes on from where it stopped (``continues``).
    Edit and resend: the last user message as it was (``user``) and its reply if it
    had one; both go into version items and the new text is answered like a turn.
    """

    reply: MessageRecord | None = None
    user: MessageRecord | None = None
    # An edit of the first message in a conversation the user did not name: the title
    # follows the new text (and a generated one is asked again after the reply).
    title: str | None = None
    continues: bool = False

    @property
    def regenerates(self) -> bool:
        return self.user is None


@dataclass(frozen=True)
class TurnClaim:
    """Everything the first transaction of a turn writes or checks."""

    sub: str
    conversation: ConversationRecord
    is_new: bool
    reactivate: bool
    user_message: MessageRecord
    turn_id: str
    lease_until: int
    now: int
    rate_limit_per_minute: int
    daily_token_budget: int
    observed_active: int
    archive: list[ConversationRecord] = field(default_factory=list)
    # The caller's Idempotency-Key (hashed with the sub): a failed turn remembers it, so
    # a retry with the same key runs again on the stored message instead of a copy.
    request_key: str | None = None
    # This claim re-runs a failed turn: its user message is already stored.
    rerun: bool = False
    # This claim regenerates the last reply or answers an edited last message.
    rewrite: Rewrite | None = None
    # Of the day's token budget, what this turn holds until its reply settles it
    # (services/token_reservation.py).
    reserved_tokens: int = 0

    @property
    def regenerates(self) -> bool:
        return self.rewrite is not None and self.rewrite.regenerates

    @property
    def replaces(self) -> MessageRecord | None:
        """The reply this claim's regeneration replaces (as read at the claim)."""
        return self.rewrite.reply if self.rewrite and self.rewrite.regenerates else None

    @property
    def continues(self) -> MessageRecord | None:
        """The cut reply this claim's Continue goes on from."""
        return self.rewrite.reply if self.rewrite and self.rewrite.continues else None


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


class ChatRepository(Protocol):
    def get_conversation(self, sub: str, conversation_id: str) -> ConversationRecord | None: ...

    def owner_of(self, conversation_id: str) -> str | None: ...

    def active_conversations(
        self, sub: str, agent_type: str, limit: int
    ) -> list[ConversationRecord]: ...

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

    def begin_turn(self, claim: TurnClaim) -> None: ...

    def finish_turn(self, claim: TurnClaim, result: TurnResult, now: int) -> None: ...

    def fail_turn(self, claim: TurnClaim, now: int) -> None: ...

    def give_back(self, claim: TurnClaim, now: int) -> None: ...

    def failed_request(self, sub: str, request_key: str) -> FailedRequest | None: ...

    def get_message(self, sub: str, conversation_id: str, seq: int) -> MessageRecord | None: ...

    def get_message_version(
        self, sub: str, conversation_id: str, message: MessageRecord, version: int
    ) -> MessageVersion | None: ...

    def extend_lease(self, claim: TurnClaim, lease_until: int) -> None: ...

    def live_state(self, sub: str) -> LiveState: ...

    def add_connection(self, sub: str, connection_id: str, now: int, ttl: int) -> None: ...

    def connections_of(self, sub: str) -> list[str]:
        """The user's open connections, oldest first."""
        ...

    def remove_connection(self, sub: str, connection_id: str) -> None: ...

    def request_stop(self, sub: str, conversation_id: str, turn_id: str, ttl: int) -> None: ...

    def create_conversation(
        self,
        sub: str,
        conv: ConversationRecord,
        archive: list[ConversationRecord],
        observed_active: int,
    ) -> None: ...

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

    def rate_message(
        self,
        sub: str,
        conv: ConversationRecord,
        message: MessageRecord,
        feedback: Feedback | None,
        now: int,
    ) -> None: ...

    def get_stats(self, sub: str) -> StatsRecord: ...

    def purge_messages(self, sub: str, conversation_id: str) -> int: ...

    def deleted_conversation_of(self, stream_keys: Mapping[str, object]) -> tuple[str, str]: ...
