"""Each write to one message item (or a superseded version of one), with its condition.

Which writes go together: claim_items.py, reply_items.py and message_store.py.
"""

from __future__ import annotations

from typing import Any

from chat_core.repository import keys
from chat_core.repository.codec import message_item, message_version_item
from chat_core.repository.records import Feedback, MessageRecord, MessageVersion
from chat_core.repository.transactions import Writes


class MessageWrites:
    def __init__(self, table: str) -> None:
        self._requests = Writes(table)

    def new_message(self, sub: str, msg: MessageRecord) -> dict[str, Any]:
        return self._requests.put_new(message_item(sub, msg))

    def replaced_message(self, sub: str, msg: MessageRecord, was: MessageRecord) -> dict[str, Any]:
        """A new version at an existing seq, only over the version that was read, with
        the rating that was read (its version keeps exactly the rating counted)."""
        condition, values = _as_read(was)
        return self._requests.put_if(message_item(sub, msg), condition, **values)

    def dropped_reply(self, sub: str, reply: MessageRecord) -> dict[str, Any]:
        """An edit takes the reply out of the conversation (a copy is in the edited
        message's version), only as it was read: the same version, the same rating."""
        condition, values = _as_read(reply)
        key = {"PK": keys.messages_pk(sub, reply.conversation_id), "SK": keys.message_sk(reply.seq)}
        return self._requests.delete_if(key, condition, **values)

    def message_version(
        self, sub: str, version: MessageVersion, replaced_ms: int
    ) -> dict[str, Any]:
        """A superseded version, kept (never overwritten: its number is claimed)."""
        return self._requests.put_new(message_version_item(sub, version, replaced_ms))

    def message_status(
        self,
        sub: str,
        conversation_id: str,
        seq: int,
        status: str,
        *,
        was: str | None = None,
        message_id: str | None = None,
    ) -> dict[str, Any]:
        """A stored message's status (``failed``, or ``ok`` again for a rerun of ``was``;
        then of the very message read, ``message_id``: an edit may have replaced it)."""
        values = {"status": status, **({"was": was, "id": message_id} if was else {})}
        return self._requests.update(
            {"PK": keys.messages_pk(sub, conversation_id), "SK": keys.message_sk(seq)},
            "SET #status = :status",
            condition="#status = :was AND id = :id" if was else "attribute_exists(PK)",
            names={"#status": "status"},
            values=values,
        )

    def message_feedback(
        self,
        sub: str,
        conversation_id: str,
        seq: int,
        message_id: str,
        was: str | None,
        feedback: Feedback | None,
    ) -> dict[str, Any]:
        """A reply's rating set (or cleared, ``None``), on the condition that the reply
        is still the version read (``message_id``: not regenerated or edited since) with
        the rating read (``was``): the counters move by exactly this change."""
        key = {"PK": keys.messages_pk(sub, conversation_id), "SK": keys.message_sk(seq)}
        condition = "id = :id AND " + (
            "feedback_rating = :was" if was else "attribute_not_exists(feedback_rating)"
        )
        values: dict[str, Any] = {"id": message_id, **({"was": was} if was else {})}
        if feedback is None:
            expression = "REMOVE feedback_rating, feedback_comment, feedback_ms"
        else:
            expression = "SET feedback_rating = :rating, feedback_ms = :at"
            values |= {"rating": feedback.rating, "at": feedback.updated_ms}
            if feedback.comment is None:
                expression += " REMOVE feedback_comment"
            else:
                expression += ", feedback_comment = :comment"
                values["comment"] = feedback.comment
        return self._requests.update(key, expression, condition=condition, values=values)


def _as_read(message: MessageRecord) -> tuple[str, dict[str, Any]]:
    """The condition that a message item is still the version read, rated as read."""
    rating = message.feedback.rating if message.feedback else None
    if rating:
        return "id = :was AND feedback_rating = :rating", {"was": message.id, "rating": rating}
    return "id = :was AND attribute_not_exists(feedback_rating)", {"was": message.id}
