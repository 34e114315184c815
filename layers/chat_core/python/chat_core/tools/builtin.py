"""The tools every deployment has, needing no internet: the time, a calculator, and
recall of the caller's own earlier conversations.

Recall reads only through the caller's ``sub`` (ToolContext): every key it reads is in
the caller's partition, so another user's conversation is unreachable whatever id or
query the model sends. One search examines at most the 1,000 conversations title search
examines; one read returns at most the latest RECALL_MESSAGES messages, cut to
RECALL_BYTES.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field

from chat_core.clock import iso_from_ms
from chat_core.models import UUID_PATTERN
from chat_core.services.search import title_matcher
from chat_core.tools.arithmetic import MAX_EXPRESSION_CHARS, evaluate
from chat_core.tools.calls import head_and_tail
from chat_core.tools.spec import ToolContext, ToolFailed, ToolSpec

RECALL_RESULTS = 10
RECALL_MESSAGES = 20
RECALL_BYTES = 12_000


class TimeArguments(BaseModel):
    time_zone: str | None = Field(
        default=None,
        max_length=64,
        description="An IANA time zone such as Europe/Paris; the user's own if omitted.",
    )


def current_time(arguments: TimeArguments, context: ToolContext) -> str:
    name = arguments.time_zone or context.time_zone or "UTC"
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ToolFailed(f"unknown time zone {name!r}") from exc
    now = datetime.fromtimestamp(context.now_ms / 1000, UTC).astimezone(zone)
    return json.dumps(
        {"time_zone": name, "now": now.isoformat(timespec="seconds"), "weekday": now.strftime("%A")}
    )


class CalculatorArguments(BaseModel):
    expression: str = Field(
        min_length=1,
        max_length=MAX_EXPRESSION_CHARS,
        description="Arithmetic: numbers, + - * / // % ** (or ^), parentheses, "
        "sqrt abs round floor ceil log exp min max, pi, e.",
    )


def calculate(arguments: CalculatorArguments, _context: ToolContext) -> str:
    try:
        return json.dumps(
            {"expression": arguments.expression, "result": evaluate(arguments.expression)}
        )
    except ValueError as exc:
        raise ToolFailed(str(exc)) from exc


class SearchArguments(BaseModel):
    query: str = Field(min_length=1, max_length=200, description="Words of the title.")


def search_conversations(arguments: SearchArguments, context: ToolContext) -> str:
    page = context.repo.search_conversations(
        context.sub, title_matcher(arguments.query), limit=RECALL_RESULTS, start_key=None
    )
    return json.dumps(
        [
            {
                "conversation_id": c.id,
                "title": c.title,
                "last_message_at": iso_from_ms(c.last_message_ms) if c.last_message_ms else None,
            }
            for c in page.items
            if c.id != context.conversation_id
        ]
    )


class ReadArguments(BaseModel):
    conversation_id: str = Field(pattern=UUID_PATTERN, description="From search_conversations.")


def read_conversation(arguments: ReadArguments, context: ToolContext) -> str:
    conversation = context.repo.get_conversation(context.sub, arguments.conversation_id)
    if conversation is None:
        raise ToolFailed("you have no conversation with this id")
    latest = context.repo.latest_messages(context.sub, conversation.id, RECALL_MESSAGES)
    lines = [f"{m.role}: {m.content}" for m in reversed(latest) if m.status != "failed"]
    return head_and_tail(f"Title: {conversation.title}\n\n" + "\n\n".join(lines), RECALL_BYTES)


BUILTIN_TOOLS: dict[str, ToolSpec] = {  # type: ignore[type-arg]
    spec.name: spec
    for spec in (
        ToolSpec(
            "current_time",
            "The current date, time and weekday.",
            TimeArguments,
            current_time,
        ),
        ToolSpec(
            "calculator",
            "Evaluates an arithmetic expression exactly.",
            CalculatorArguments,
            calculate,
        ),
        ToolSpec(
            "search_conversations",
            "Finds the user's own earlier conversations by words of their title.",
            SearchArguments,
            search_conversations,
        ),
        ToolSpec(
            "read_conversation",
            "Reads the latest messages of one of the user's own earlier conversations.",
            ReadArguments,
            read_conversation,
        ),
    )
}
