"""Stored records in the contract's shapes (docs/api.md): the one place storage meets the API."""

from __future__ import annotations

from chat_core.clock import iso_from_ms
from chat_core.models import (
    Conversation,
    Feedback,
    LiveTurn,
    Message,
    MessageStatus,
    Role,
    ToolCallView,
)
from chat_core.replies import ReplyEnding
from chat_core.repository.records import ConversationRecord, MessageRecord
from chat_core.repository.records import Feedback as FeedbackRecord

_ROLES: dict[str, Role] = {"user": "user", "assistant": "assistant", "system": "system"}
_STATUSES: dict[str, MessageStatus] = {
    "ok": "ok",
    "failed": "failed",
    "stopped": "stopped",
    "awaiting_approval": "awaiting_approval",
    "incomplete": "incomplete",
}


def conversation_to_api(record: ConversationRecord, now_ms: int | None = None) -> Conversation:
    """With ``now_ms``, a reply being written shows as ``live_turn`` (a question of time)."""
    live = None
    # A regeneration answers the message before the reply it replaces.
    answering = record.turn_seq or (record.turn_replaces or 0) - 1
    if now_ms is not None and record.turn_in_flight(now_ms) and record.turn_id and answering > 0:
        live = LiveTurn(turn_id=record.turn_id, user_message_seq=answering)
    return Conversation(
        live_turn=live,
        id=record.id,
        title=record.title,
        agent_type=record.agent_type,
        status="archived" if record.status == "archived" else "active",
        created_at=iso_from_ms(record.created_ms),
        updated_at=iso_from_ms(record.updated_ms),
        last_message_at=iso_from_ms(record.last_message_ms) if record.last_message_ms else None,
        message_count=record.message_count,
        metadata=dict(record.metadata),
        awaiting_approval_until=(
            iso_from_ms(record.awaiting_until)
            if record.awaiting_until and (now_ms is None or record.awaiting_until > now_ms)
            else None
        ),
    )


def message_to_api(record: MessageRecord) -> Message:
    return Message(
        id=record.id,
        conversation_id=record.conversation_id,
        seq=record.seq,
        role=_ROLES.get(record.role, "user"),
        content=record.content,
        created_at=iso_from_ms(record.created_ms),
        status=_STATUSES.get(record.status, "ok"),
        feedback=_feedback_to_api(record.feedback),
        version=record.version,
        finish_reason=_ending(record),
        reasoning=record.reasoning or None,
        tool_calls=[
            ToolCallView(
                id=step.call_id,
                name=step.name,
                arguments=step.arguments,
                output=step.output,
                error=step.error,
                duration_ms=step.duration_ms,
                step=step.step,
                approval=step.approval.value if step.approval else None,
            )
            for step in record.tool_calls
        ],
        approval_expires_at=(
            iso_from_ms(record.approval_expires_ms)
            if record.status == "awaiting_approval" and record.approval_expires_ms
            else None
        ),
    )


def _ending(record: MessageRecord) -> ReplyEnding | None:
    if record.role != "assistant" or record.status == "failed":
        return None
    return ReplyEnding.of(record.status, record.finish_reason)


def _feedback_to_api(record: FeedbackRecord | None) -> Feedback | None:
    if record is None:
        return None
    return Feedback(
        rating="down" if record.rating == "down" else "up",
        comment=record.comment,
        updated_at=iso_from_ms(record.updated_ms),
    )
