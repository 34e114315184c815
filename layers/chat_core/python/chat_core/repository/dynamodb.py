"""The storage port on DynamoDB: one repository composed of parts named for what they
store (docs/design.md "Data"), each with its reads and writes in one file:

- conversation_store.py: conversations, their list and changes outside a turn;
- message_store.py: messages, their versions and ratings;
- turn_store.py: a turn's claim, lease, reply or failure (items: claim_items.py,
  reply_items.py);
- live_store.py: open connections and Stop requests;
- stats_store.py: the counters and rate budgets.

Every method is a fixed, small number of requests whatever the size of the data. The
methods below only say which part answers each method of the port.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chat_core.repository.conversation_store import ConversationStore
from chat_core.repository.item_writes import ItemWrites
from chat_core.repository.live_store import LiveStore
from chat_core.repository.message_store import MessageStore
from chat_core.repository.port import FailedRequest, LiveState, TurnClaim, TurnResult
from chat_core.repository.records import (
    ConversationRecord,
    Feedback,
    MessageRecord,
    MessageVersion,
    Page,
    StatsRecord,
)
from chat_core.repository.stats_store import StatsStore
from chat_core.repository.table import Table
from chat_core.repository.turn_store import TurnStore


class DynamoChatRepository:
    """The table behind the API; safe to share across threads and invocations."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = Table(table_name, client)
        self.client = self.table.client
        writes = ItemWrites.of(table_name)
        self.conversations = ConversationStore(self.table, writes)
        self.messages = MessageStore(self.table, writes)
        self.stats = StatsStore(self.table)
        self.turns = TurnStore(self.table, writes, self.messages, self.stats)
        self.live = LiveStore(self.table)

    # ------------------------------------------------------------------ conversations
    def get_conversation(self, sub: str, conversation_id: str) -> ConversationRecord | None:
        return self.conversations.get_conversation(sub, conversation_id)

    def owner_of(self, conversation_id: str) -> str | None:
        return self.conversations.owner_of(conversation_id)

    def active_conversations(
        self, sub: str, agent_type: str, limit: int
    ) -> list[ConversationRecord]:
        return self.conversations.active_conversations(sub, agent_type, limit)

    def list_conversations(
        self,
        sub: str,
        *,
        status: str,
        agent_type: str | None,
        limit: int,
        start_key: dict[str, object] | None,
    ) -> Page[ConversationRecord]:
        return self.conversations.list_conversations(
            sub, status=status, agent_type=agent_type, limit=limit, start_key=start_key
        )

    def search_conversations(
        self,
        sub: str,
        title_matches: Callable[[str], bool],
        *,
        limit: int,
        start_key: dict[str, object] | None,
    ) -> Page[ConversationRecord]:
        return self.conversations.search_conversations(
            sub, title_matches, limit=limit, start_key=start_key
        )

    def create_conversation(
        self,
        sub: str,
        conv: ConversationRecord,
        archive: list[ConversationRecord],
        observed_active: int,
    ) -> None:
        return self.conversations.create_conversation(sub, conv, archive, observed_active)

    def update_conversation(
        self,
        sub: str,
        conversation_id: str,
        *,
        title: str | None,
        metadata: dict[str, str] | None,
        now: int,
    ) -> ConversationRecord | None:
        return self.conversations.update_conversation(
            sub, conversation_id, title=title, metadata=metadata, now=now
        )

    def set_generated_title(self, sub: str, conversation_id: str, title: str) -> bool:
        return self.conversations.set_generated_title(sub, conversation_id, title)

    def change_status(
        self,
        sub: str,
        conv: ConversationRecord,
        status: str,
        now: int,
        archive: list[ConversationRecord],
        observed_active: int,
    ) -> None:
        return self.conversations.change_status(sub, conv, status, now, archive, observed_active)

    def delete_conversation(self, sub: str, conv: ConversationRecord, now: int, ttl: int) -> None:
        return self.conversations.delete_conversation(sub, conv, now, ttl)

    def deleted_conversation_of(self, stream_keys: Mapping[str, object]) -> tuple[str, str]:
        return self.conversations.deleted_conversation_of(stream_keys)

    # ------------------------------------------------------------------ messages
    def latest_messages(self, sub: str, conversation_id: str, limit: int) -> list[MessageRecord]:
        return self.messages.latest_messages(sub, conversation_id, limit)

    def page_messages(
        self,
        sub: str,
        conversation_id: str,
        *,
        limit: int,
        ascending: bool,
        start_key: dict[str, object] | None,
    ) -> Page[MessageRecord]:
        return self.messages.page_messages(
            sub, conversation_id, limit=limit, ascending=ascending, start_key=start_key
        )

    def get_message(self, sub: str, conversation_id: str, seq: int) -> MessageRecord | None:
        return self.messages.get_message(sub, conversation_id, seq)

    def get_message_version(
        self, sub: str, conversation_id: str, message: MessageRecord, version: int
    ) -> MessageVersion | None:
        return self.messages.get_message_version(sub, conversation_id, message, version)

    def rate_message(
        self,
        sub: str,
        conv: ConversationRecord,
        message: MessageRecord,
        feedback: Feedback | None,
        now: int,
    ) -> None:
        return self.messages.rate_message(sub, conv, message, feedback, now)

    def settle_paused(self, sub: str, reply: MessageRecord, was: MessageRecord, now: int) -> None:
        return self.messages.settle_paused(sub, reply, was, now)

    def purge_messages(self, sub: str, conversation_id: str) -> int:
        return self.messages.purge_messages(sub, conversation_id)

    # ------------------------------------------------------------------ turns
    def begin_turn(self, claim: TurnClaim) -> None:
        return self.turns.begin_turn(claim)

    def finish_turn(self, claim: TurnClaim, result: TurnResult, now: int) -> None:
        return self.turns.finish_turn(claim, result, now)

    def fail_turn(self, claim: TurnClaim, now: int) -> None:
        return self.turns.fail_turn(claim, now)

    def give_back(self, claim: TurnClaim, now: int) -> None:
        return self.turns.give_back(claim, now)

    def extend_lease(self, claim: TurnClaim, lease_until: int) -> None:
        return self.turns.extend_lease(claim, lease_until)

    def failed_request(self, sub: str, request_key: str) -> FailedRequest | None:
        return self.turns.failed_request(sub, request_key)

    # ------------------------------------------------------------------ live
    def live_state(self, sub: str) -> LiveState:
        return self.live.live_state(sub)

    def add_connection(self, sub: str, connection_id: str, now: int, ttl: int) -> None:
        return self.live.add_connection(sub, connection_id, now, ttl)

    def connections_of(self, sub: str) -> list[str]:
        return self.live.connections_of(sub)

    def remove_connection(self, sub: str, connection_id: str) -> None:
        return self.live.remove_connection(sub, connection_id)

    def request_stop(self, sub: str, conversation_id: str, turn_id: str, ttl: int) -> None:
        return self.live.request_stop(sub, conversation_id, turn_id, ttl)

    # ------------------------------------------------------------------ stats
    def get_stats(self, sub: str) -> StatsRecord:
        return self.stats.get_stats(sub)
