"""Messages: the latest of a conversation, pages of them, one message or one of its
superseded versions, a reply's rating and the purge of a deleted conversation's.

A turn's writes of messages are in claim_items.py and reply_items.py.
"""

from __future__ import annotations

from typing import Any

from chat_core.repository import keys
from chat_core.repository.codec import (
    message_from,
    message_version_from,
    message_version_sk,
    to_item,
)
from chat_core.repository.item_writes import ItemWrites
from chat_core.repository.records import (
    ConversationRecord,
    Feedback,
    MessageRecord,
    MessageVersion,
    Page,
)
from chat_core.repository.refusals import Item
from chat_core.repository.table import Table
from chat_core.repository.transactions import NamedItem, transact


class MessageStore:
    def __init__(self, table: Table, writes: ItemWrites) -> None:
        self._table = table
        self._writes = writes

    def _messages(
        self, sub: str, conversation_id: str, limit: int, *, versions: bool = False
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One Query of the messages, newest first, or (``versions``) of the superseded
        versions, and where the next would start."""
        return self._table.query_once(
            keys.messages_pk(sub, conversation_id),
            ("SK", keys.VERSION_PREFIX if versions else "MSG#"),
            limit=limit,
            ascending=False,
            index=None,
            start_key=None,
            ConsistentRead=True,
        )

    def latest_messages(self, sub: str, conversation_id: str, limit: int) -> list[MessageRecord]:
        """The newest messages, newest first, up to ``limit``: one Query, so at most 1 MB
        of them (the history window needs far less; a conversation's view pages back for
        the rest), and an answer stays far under Lambda's 6 MB whatever their length."""
        return [message_from(r) for r in self._messages(sub, conversation_id, limit)[0]]

    def page_messages(
        self,
        sub: str,
        conversation_id: str,
        *,
        limit: int,
        ascending: bool,
        start_key: dict[str, object] | None,
    ) -> Page[MessageRecord]:
        return self._table.page(
            lambda n: self._table.query_once(
                keys.messages_pk(sub, conversation_id),
                ("SK", "MSG#"),
                limit=n,
                ascending=ascending,
                index=None,
                start_key=start_key,
                ConsistentRead=True,
            ),
            limit,
            ("PK", "SK"),
            message_from,
        )

    def get_message(self, sub: str, conversation_id: str, seq: int) -> MessageRecord | None:
        values = self._table.get(keys.messages_pk(sub, conversation_id), keys.message_sk(seq))
        return message_from(values) if values else None

    def get_message_version(
        self, sub: str, conversation_id: str, message: MessageRecord, version: int
    ) -> MessageVersion | None:
        """A superseded version of ``message`` (one GetItem); a reply's are numbered
        among those answering the user message's current text."""
        values = self._table.get(
            keys.messages_pk(sub, conversation_id), message_version_sk(message, version)
        )
        return message_version_from(values) if values else None

    def rate_message(
        self,
        sub: str,
        conv: ConversationRecord,
        message: MessageRecord,
        feedback: Feedback | None,
        now: int,
    ) -> None:
        """Set, change or clear a reply's rating; the counters of the conversation (what
        its delete takes back) and of the user move by exactly the change, in the same
        transaction. Refused (MESSAGE_CHANGED) when the rating changed since it was
        read, (CONVERSATION_CHANGED) when the conversation was deleted meanwhile."""
        was = message.feedback.rating if message.feedback else None
        rating = feedback.rating if feedback else None
        up = (rating == "up") - (was == "up")
        down = (rating == "down") - (was == "down")
        w = self._writes
        items: list[NamedItem] = [
            (
                Item.MESSAGE,
                w.messages.message_feedback(sub, conv.id, message.seq, message.id, was, feedback),
            ),
            (
                Item.CONVERSATION,
                w.conversations.conversation_rated(sub, conv.id, message.seq, up, down, now),
            ),
        ]
        if up or down:
            items.append((Item.STATS, w.counters.rating_stats(sub, up, down)))
        transact(self._table.client, items)

    def settle_paused(self, sub: str, reply: MessageRecord, was: MessageRecord, now: int) -> None:
        """A reply that waited for approval, settled in place without a turn (Stop):
        only as it was read, and while no turn holds the conversation (ClaimRejected
        otherwise); the list no longer shows it waiting."""
        w = self._writes
        transact(
            self._table.client,
            [
                (Item.MESSAGE, w.messages.replaced_message(sub, reply, was=was)),
                (
                    Item.CONVERSATION,
                    w.conversations.approval_settled(sub, reply.conversation_id, now),
                ),
            ],
        )

    def purge_messages(self, sub: str, conversation_id: str, batch: int = 25) -> int:
        """Deletes a purged conversation's messages and their superseded versions (called
        after its TTL expired); how many items it deleted."""
        deleted = 0
        for versions in (False, True):
            while rows := self._messages(sub, conversation_id, batch, versions=versions)[0]:
                self._table.client.batch_write_item(
                    RequestItems={
                        self._table.name: [
                            {"DeleteRequest": {"Key": to_item({"PK": r["PK"], "SK": r["SK"]})}}
                            for r in rows
                        ]
                    }
                )
                deleted += len(rows)
        return deleted
