"""A tool call as the model asks it, and its outcome as the model and the user see it.

Caps (docs/api.md "Tool calls"): arguments over MAX_ARGUMENT_BYTES are refused (an
error output, the turn goes on); an output over MAX_OUTPUT_TO_MODEL_BYTES reaches the
model as its head and tail with a note of what was left out; the stored and streamed
previews are cut further (replies.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from chat_core.replies import MAX_STORED_ARGUMENT_BYTES, MAX_STORED_OUTPUT_BYTES, clip_utf8
from chat_core.repository.records import ToolStep

MAX_ARGUMENT_BYTES = 16_000
MAX_OUTPUT_TO_MODEL_BYTES = 16_000
_TAIL_BYTES = 4_000


@dataclass(frozen=True)
class ToolCall:
    """One call the model asked for: ``arguments`` is its JSON text, unchecked."""

    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class ToolOutcome:
    call: ToolCall
    output: str
    error: bool
    duration_ms: int

    def for_model(self) -> str:
        """The output as the model reads it: whole up to the cap, else head and tail."""
        return head_and_tail(self.output, MAX_OUTPUT_TO_MODEL_BYTES)

    def stored(self, step: int) -> ToolStep:
        return ToolStep(
            call_id=self.call.call_id,
            name=self.call.name,
            arguments=preview(self.call.arguments, MAX_STORED_ARGUMENT_BYTES),
            output=preview(self.output, MAX_STORED_OUTPUT_BYTES),
            error=self.error,
            duration_ms=self.duration_ms,
            step=step,
        )


def preview(text: str, max_bytes: int) -> str:
    """``text`` cut to ``max_bytes`` of UTF-8, with an ellipsis when cut."""
    clipped = clip_utf8(text, max_bytes - 3)
    return text if clipped == text else clipped + "…"


def head_and_tail(text: str, max_bytes: int) -> str:
    size = len(text.encode("utf-8"))
    if size <= max_bytes:
        return text
    tail = text.encode("utf-8")[-_TAIL_BYTES:].decode("utf-8", "ignore")
    head = clip_utf8(text, max_bytes - _TAIL_BYTES - 200)
    left_out = size - len(head.encode("utf-8")) - len(tail.encode("utf-8"))
    return f"{head}\n[… {left_out} bytes of this output left out …]\n{tail}"
