"""A turn that waits for the user's approval of a tool call.

The turn ends when the model asks for a tool the operator marked as needing approval
(nothing runs, nothing is billed while a person decides): its reply is stored with
status ``awaiting_approval``, the pending calls, and the resume state, the messages of
its steps so far as the model read them (its calls and the tools' whole outputs, up to
the caps of tools/calls.py). A decision (POST .../approval) claims the conversation
again as a Resume turn: the approved calls run, the rejected ones answer with the
user's reason, and the model goes on from the saved state in a new worker, as if the
turn had not stopped.

The state travels inside the reply's item, compressed: at most MAX_STATE_BYTES (the
item stays under DynamoDB's 400 KB with the reply's own caps); a larger one keeps each
tool output's beginning until it fits.
"""

from __future__ import annotations

import base64
import json
import zlib

from chat_core.agent.history import PromptMessage, PromptToolCall
from chat_core.tools.calls import preview

MAX_STATE_BYTES = 120_000
_SHRUNK_OUTPUT_BYTES = (8_000, 2_000, 500)
EXPIRED_REASON = "The request for approval expired after the time allowed."
STOPPED_OUTPUT = "Not run: the user stopped the turn."
# A pending call's output, as stored and shown until the user decides.
AWAITING_OUTPUT = "Waiting for your approval."


def freeze(messages: list[PromptMessage]) -> str:
    """The steps' messages as stored (base64 of zlib'd JSON), within MAX_STATE_BYTES."""
    for cap in (None, *_SHRUNK_OUTPUT_BYTES):
        state = _pack([_shrunk(m, cap) for m in messages])
        if len(state) <= MAX_STATE_BYTES:
            return state
    raise ValueError("a paused turn's state cannot fit its item")


def thaw(state: str) -> list[PromptMessage]:
    values = json.loads(zlib.decompress(base64.b64decode(state)))
    return [
        PromptMessage(
            m["role"],
            m["content"],
            tuple(PromptToolCall(*call) for call in m.get("calls", ())),
            m.get("call_id"),
        )
        for m in values
    ]


def _pack(messages: list[PromptMessage]) -> str:
    values = []
    for m in messages:
        value: dict[str, object] = {"role": m.role, "content": m.content}
        if m.tool_calls:
            value["calls"] = [[c.call_id, c.name, c.arguments] for c in m.tool_calls]
        if m.tool_call_id is not None:
            value["call_id"] = m.tool_call_id
        values.append(value)
    packed = zlib.compress(json.dumps(values, ensure_ascii=False).encode(), 6)
    return base64.b64encode(packed).decode()


def _shrunk(message: PromptMessage, cap: int | None) -> PromptMessage:
    if cap is None or message.tool_call_id is None:
        return message
    return PromptMessage(message.role, preview(message.content, cap), (), message.tool_call_id)
