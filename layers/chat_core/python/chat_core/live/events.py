"""The events of a streamed turn, as the WebSocket carries them (docs/api.md, "Streamed turns").

Every event names its conversation and turn, so a client with several conversations
(or tabs) open puts each piece where it belongs. ``turn.started`` is also what a
client that joins late receives: it carries the text so far, and the deltas that
follow carry their character ``offset`` so a client can drop a repeat or notice a gap.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from chat_core.models import ErrorDetail, Message, Usage


class TurnStarted(BaseModel):
    type: Literal["turn.started"] = "turn.started"
    conversation_id: str
    turn_id: str
    title: str
    agent_type: str
    user_message_seq: int  # the message being answered (its text: the 202 or GET)
    text: str  # what the reply holds so far ("" at the start; more for a late joiner)
    # When the turn began: a client that joins late counts the model's thinking from here.
    started_at: str


class TurnReasoning(BaseModel):
    """A piece of the model's visible reasoning (shown collapsed above the answer)."""

    type: Literal["turn.reasoning"] = "turn.reasoning"
    conversation_id: str
    turn_id: str
    offset: int  # where ``text`` starts in the reasoning, in characters
    text: str


class TurnDelta(BaseModel):
    type: Literal["turn.delta"] = "turn.delta"
    conversation_id: str
    turn_id: str
    offset: int  # where ``text`` starts in the reply, in characters
    text: str


class TurnToolCall(BaseModel):
    """The model called a tool; its result follows as ``turn.tool_result``. Calls of one
    ``step`` run together. ``arguments`` is a preview (at most 800 bytes). A call with
    ``approval: "pending"`` waits for the user's decision: the turn pauses (its
    ``turn.completed`` has the reply ``awaiting_approval``) and no result follows."""

    type: Literal["turn.tool_call"] = "turn.tool_call"
    conversation_id: str
    turn_id: str
    call_id: str
    step: int
    name: str
    arguments: str
    approval: Literal["pending"] | None = None


class TurnToolResult(BaseModel):
    """A tool's output (a preview of at most 1,200 bytes), or why it failed."""

    type: Literal["turn.tool_result"] = "turn.tool_result"
    conversation_id: str
    turn_id: str
    call_id: str
    output: str
    error: bool
    duration_ms: int


class TurnToolSourceUnavailable(BaseModel):
    """An MCP server whose tools this reply goes without (down, slow, misconfigured):
    the reply goes on, and the model is told."""

    type: Literal["turn.tool_source_unavailable"] = "turn.tool_source_unavailable"
    conversation_id: str
    turn_id: str
    source: str
    reason: str


class TurnCompleted(BaseModel):
    """The reply is stored: ``reply.status`` is ok, stopped (by the user) or incomplete,
    and ``reply.finish_reason`` says why."""

    type: Literal["turn.completed"] = "turn.completed"
    conversation_id: str
    turn_id: str
    reply: Message
    usage: Usage
    error: ErrorDetail | None = None  # why an incomplete reply ended early
    # The reply was too large for one WebSocket message (API Gateway posts at most
    # 128 KB): its content and reasoning are left out; read it with GET.
    omitted: bool = False


class TurnFailed(BaseModel):
    """No reply was stored; the user's message is kept with ``status: "failed"``."""

    type: Literal["turn.failed"] = "turn.failed"
    conversation_id: str
    turn_id: str
    user_message_seq: int
    error: ErrorDetail


class ConversationTitled(BaseModel):
    """The model titled the conversation after its first reply (docs/api.md)."""

    type: Literal["conversation.titled"] = "conversation.titled"
    conversation_id: str
    title: str


class ConnectionReplaced(BaseModel):
    """This connection was closed for a newer one: a user keeps at most 10 open. The
    client does not reconnect by itself (it would close another in turn)."""

    type: Literal["connection.replaced"] = "connection.replaced"


LiveEvent = (
    TurnStarted
    | TurnDelta
    | TurnReasoning
    | TurnToolCall
    | TurnToolResult
    | TurnToolSourceUnavailable
    | TurnCompleted
    | TurnFailed
    | ConversationTitled
    | ConnectionReplaced
)
