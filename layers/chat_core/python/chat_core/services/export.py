"""A conversation's export, as Markdown or JSON (GET /v1/conversations/{id}/export):
the shape of a part; ConversationReader.export_part reads it.

A conversation of 1,000 messages of 16,000 characters is 16 MB, over what a Lambda
function may answer (6 MB): the export comes in parts of EXPORT_PART_MESSAGES
messages (3.2 MB at most), each one Query, which the client fetches in order and
joins (docs/api.md "Export"). Every part repeats the conversation, so any part says
what it belongs to; only the first Markdown part opens with the title.
"""

from __future__ import annotations

import re

from chat_core.models import Conversation, ExportFormat, ExportPage, Message, ToolCallView
from chat_core.replies import ReplyEnding

EXPORT_PART_MESSAGES = 200
_SPEAKERS = {"user": "You", "assistant": "Assistant", "system": "System"}
_NOT_OK = {"failed": "not answered", "stopped": "stopped", "incomplete": "incomplete"}
_CUT_SHORT = {
    ReplyEnding.LENGTH: "cut short: length limit",
    ReplyEnding.CONTENT_FILTER: "cut short: content filter",
    ReplyEnding.DEADLINE: "cut short: time limit",
}


def export_page(
    conversation: Conversation,
    messages: list[Message],
    export_format: ExportFormat,
    *,
    first: bool,
    next_cursor: str | None,
    include_reasoning: bool = False,
) -> ExportPage:
    """One part as the contract shapes it (ConversationReader.export_part reads it).
    A reply's reasoning is not part of the answer: it is in the file only when asked."""
    if not include_reasoning:
        messages = [m.model_copy(update={"reasoning": None}) for m in messages]
    markdown = None
    if export_format == "markdown":
        header = markdown_header(conversation) if first else ""
        markdown = header + "".join(markdown_message(m) for m in messages)
    return ExportPage(
        format=export_format,
        filename=filename(conversation, export_format),
        conversation=conversation,
        markdown=markdown,
        messages=[] if export_format == "markdown" else messages,
        next_cursor=next_cursor,
    )


def filename(conversation: Conversation, export_format: ExportFormat) -> str:
    """The title as a file name a download can use anywhere, and the id's start (two
    conversations may share a title)."""
    slug = re.sub(r"[^a-z0-9]+", "-", conversation.title.lower()).strip("-")[:60] or "conversation"
    return f"{slug}-{conversation.id[:8]}.{'md' if export_format == 'markdown' else 'json'}"


def markdown_header(conversation: Conversation) -> str:
    facts = [
        f"agent: {conversation.agent_type}",
        f"created: {conversation.created_at}",
        f"messages: {conversation.message_count}",
        f"status: {conversation.status}",
    ]
    facts += [f"{key}: {value}" for key, value in sorted(conversation.metadata.items())]
    return f"# {_one_line(conversation.title)}\n\n" + "".join(f"- {f}\n" for f in facts) + "\n"


def markdown_message(message: Message) -> str:
    """A heading per message (who, when, its seq), then the text as it was written: the
    replies are Markdown already, and the user's text is shown as they typed it."""
    note = _CUT_SHORT.get(message.finish_reason or ReplyEnding.STOP, _NOT_OK.get(message.status))
    heading = f"## {_SPEAKERS[message.role]} · {message.created_at} · #{message.seq}"
    heading += f" ({note})" if note else ""
    thinking = _reasoning_block(message.reasoning) if message.reasoning else ""
    tools = "".join(_tool_block(call) for call in message.tool_calls)
    return f"{heading}\n\n{thinking}{tools}{message.content}\n\n"


def _tool_block(call: ToolCallView) -> str:
    """A tool call as a quote: its name and arguments, then its output (or error)."""
    outcome = "Error" if call.error else "Output"
    head = f"**Tool** `{call.name}` · {call.duration_ms} ms\n\nArguments:\n```json\n"
    return _quoted(f"{head}{call.arguments}\n```\n{outcome}:\n```\n{call.output}\n```")


def _reasoning_block(reasoning: str) -> str:
    """The reasoning as a quote, apart from the answer (a reader skips it at a glance)."""
    return _quoted(f"**Thinking**\n\n{reasoning}")


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines()) + "\n\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())
