"""DynamoDB's attribute values and the records' items, both ways.

Kept apart from the access patterns so the item layout (docs/design.md "Data") can be
read in one place: what a conversation, a message and the stats item store.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from chat_core.repository import keys
from chat_core.repository.records import (
    Approval,
    ConversationRecord,
    Feedback,
    MessageRecord,
    MessageVersion,
    Quota,
    StatsRecord,
    ToolStep,
)

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """Typed attribute values; ``None`` means the attribute is not written."""
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def expression_values(**values: Any) -> dict[str, Any]:
    """``ExpressionAttributeValues`` from keyword arguments (``now=1`` is ``:now``)."""
    return {f":{k}": _serializer.serialize(v) for k, v in values.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _fields(values: dict[str, Any], required: tuple[str, ...], **defaults: Any) -> dict[str, Any]:
    """The record's fields from an item: required attributes, then the others or defaults."""
    return {name: values[name] for name in required} | {
        name: values.get(name, default) for name, default in defaults.items()
    }


def conversation_from(values: dict[str, Any]) -> ConversationRecord:
    return ConversationRecord(
        sub=values["owner"],
        **_fields(
            values,
            ("id", "title", "agent_type", "status", "created_ms", "updated_ms"),
            last_message_ms=None,
            message_count=0,
            metadata={},
            turn_id=None,
            turn_lease_until=None,
            turn_seq=None,
            turn_replaces=None,
            turn_reserved=None,
            turn_reserved_day=None,
            feedback_up=0,
            feedback_down=0,
            title_by_user=False,
            awaiting_until=None,
        ),
    )


def message_from(values: dict[str, Any]) -> MessageRecord:
    return MessageRecord(
        feedback=feedback_from(values),
        **_fields(
            values,
            ("id", "conversation_id", "seq", "role", "content", "created_ms"),
            status="ok",
            tokens=0,
            version=1,
            answers=1,
            finish_reason=None,
            reasoning=None,
            reasoning_tokens=0,
            resume_state=None,
            approval_expires_ms=None,
        ),
        tool_calls=tuple(_tool_step(step) for step in values.get("tool_calls") or ()),
    )


def _tool_step(values: dict[str, Any]) -> ToolStep:
    return ToolStep(
        call_id=str(values["call_id"]),
        name=str(values["name"]),
        arguments=str(values.get("arguments", "")),
        output=str(values.get("output", "")),
        error=bool(values.get("error", False)),
        duration_ms=int(values.get("duration_ms", 0)),
        step=int(values.get("step", 1)),
        approval=Approval(values["approval"]) if values.get("approval") else None,
    )


def _tool_step_values(step: ToolStep) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(step).items() if v is not None}


def message_version_from(values: dict[str, Any]) -> MessageVersion:
    reply = values.get("reply")
    return MessageVersion(message_from(values), message_from(reply) if reply else None)


def feedback_from(values: dict[str, Any]) -> Feedback | None:
    """A message's rating, stored flat (``feedback_*``) so a condition can name it."""
    if "feedback_rating" not in values:
        return None
    return Feedback(
        rating=str(values["feedback_rating"]),
        comment=values.get("feedback_comment"),
        updated_ms=int(values["feedback_ms"]),
    )


def stats_from(values: dict[str, Any]) -> StatsRecord:
    """Missing counters read as zero; per agent type, only those with conversations."""
    counters = {k: int(v) for k, v in values.items() if isinstance(v, int)}
    total_prefix = keys.total_count_attr("")
    return StatsRecord(
        active=counters.get("conv_active", 0),
        archived=counters.get("conv_archived", 0),
        messages=counters.get("messages", 0),
        prompt_tokens=counters.get("prompt_tokens", 0),
        completion_tokens=counters.get("completion_tokens", 0),
        feedback_up=counters.get("feedback_up", 0),
        feedback_down=counters.get("feedback_down", 0),
        quota=quota_from(values),
        conversations_by_agent_type={
            name.removeprefix(total_prefix): count
            for name, count in counters.items()
            if name.startswith(total_prefix) and count > 0
        },
    )


def quota_from(values: dict[str, Any]) -> Quota:
    """The rate attributes of the stats item (absent before the user's first turn)."""

    def number(name: str) -> int | None:
        return int(values[name]) if name in values else None

    return Quota(
        minute=number("rate_minute"),
        minute_turns=number("minute_turns") or 0,
        day=number("rate_day"),
        day_tokens=number("day_tokens") or 0,
    )


def conversation_item(sub: str, conv: ConversationRecord) -> dict[str, Any]:
    return to_item(
        {
            "PK": keys.user_pk(sub),
            "SK": keys.conversation_sk(conv.id),
            "type": "conversation",
            "id": conv.id,
            "owner": sub,
            "title": conv.title,
            "agent_type": conv.agent_type,
            "status": conv.status,
            "created_ms": conv.created_ms,
            "updated_ms": conv.updated_ms,
            "last_message_ms": conv.last_message_ms,
            "message_count": conv.message_count,
            "metadata": conv.metadata,
            "title_by_user": True if conv.title_by_user else None,
            "awaiting_until": conv.awaiting_until,
            "turn_id": conv.turn_id,
            "turn_lease_until": conv.turn_lease_until,
            "turn_seq": conv.message_count if conv.turn_id else None,
            "turn_reserved": conv.turn_reserved if conv.turn_id else None,
            "turn_reserved_day": conv.turn_reserved_day if conv.turn_id else None,
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "ActivitySK": keys.activity_key(conv.status, conv.activity_ms, conv.id),
        }
    )


def message_item(sub: str, msg: MessageRecord) -> dict[str, Any]:
    return to_item(
        {
            "PK": keys.messages_pk(sub, msg.conversation_id),
            "SK": keys.message_sk(msg.seq),
            "type": "message",
            **_message_values(msg),
        }
    )


def message_version_sk(msg: MessageRecord, version: int) -> str:
    """Where version ``version`` of ``msg``'s seq is kept: a reply's among the versions
    answering the same text (``answers``), a user message's among its edits."""
    answers = msg.answers if msg.role == "assistant" else None
    return keys.message_version_sk(msg.seq, version, answers)


def message_version_item(sub: str, version: MessageVersion, replaced_ms: int) -> dict[str, Any]:
    """A superseded version, rating included; a user message's holds the reply it had."""
    reply = version.reply
    return to_item(
        {
            "PK": keys.messages_pk(sub, version.message.conversation_id),
            "SK": message_version_sk(version.message, version.message.version),
            "type": "message_version",
            **_message_values(version.message, with_feedback=True),
            "replaced_ms": replaced_ms,
            "reply": _message_values(reply, with_feedback=True) if reply else None,
        }
    )


def _message_values(msg: MessageRecord, *, with_feedback: bool = False) -> dict[str, Any]:
    """A message's attributes. What an ordinary message does not need is not written
    (version numbers of a first version, the ending of a finished reply, empty
    reasoning), so its item, and what it bills, stays small."""
    feedback = msg.feedback if with_feedback else None
    values = {
        "id": msg.id,
        "conversation_id": msg.conversation_id,
        "seq": msg.seq,
        "role": msg.role,
        "content": msg.content,
        "created_ms": msg.created_ms,
        "status": msg.status,
        "tokens": msg.tokens,
        "version": msg.version if msg.version != 1 else None,
        "answers": msg.answers if msg.answers != 1 else None,
        "finish_reason": msg.finish_reason,
        "reasoning": msg.reasoning or None,
        "reasoning_tokens": msg.reasoning_tokens or None,
        "tool_calls": [_tool_step_values(step) for step in msg.tool_calls] or None,
        "resume_state": msg.resume_state,
        "approval_expires_ms": msg.approval_expires_ms,
        "feedback_rating": feedback.rating if feedback else None,
        "feedback_comment": feedback.comment if feedback else None,
        "feedback_ms": feedback.updated_ms if feedback else None,
    }
    return {k: v for k, v in values.items() if v is not None}
