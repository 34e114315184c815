"""Every item write of the table, by the item it writes: compose them into transactions
(claim_items.py, reply_items.py, the stores)."""

from __future__ import annotations

from dataclasses import dataclass

from chat_core.repository.conversation_writes import ConversationWrites
from chat_core.repository.counter_writes import CounterWrites
from chat_core.repository.failed_request_writes import FailedRequestWrites
from chat_core.repository.message_writes import MessageWrites


@dataclass(frozen=True)
class ItemWrites:
    conversations: ConversationWrites
    messages: MessageWrites
    counters: CounterWrites
    failed_requests: FailedRequestWrites

    @classmethod
    def of(cls, table: str) -> ItemWrites:
        return cls(
            ConversationWrites(table),
            MessageWrites(table),
            CounterWrites(table),
            FailedRequestWrites(table),
        )
