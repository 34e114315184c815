"""An OpenAI-compatible Chat Completions stub, reached through the real `openai` client.

Its reply quotes the latest user message and the one before it, so a test can see
that the history reached the model. With ``stream: true`` it answers Server-Sent
Events like OpenAI (one word per chunk, ``stream_options.include_usage`` honoured).
Development-only directives in the latest user message:

- ``[stub:delay=SECONDS]``: wait before the first chunk (or the whole answer);
- ``[stub:status=CODE]``: fail with CODE before anything is sent;
- ``[stub:rate=N]``: N chunks per second (default 100);
- ``[stub:words=N]``: add N filler words to the reply (a long answer);
- ``[stub:break=N]``: drop the connection after N chunks (a failure mid-stream);
- ``[stub:echo]``: reply with exactly the message, directives removed (Markdown for the
  UI's tests: tables, code, long words);
- ``[stub:flaky=NAME]``: fail with 503 the first 3 times NAME is asked (one request
  and its client's 2 retries), answer after that: a model that is down, then back;
- ``[stub:vary]``: the same conversation asked again gets another answer ("Take 2: ..."),
  as a real model's regenerated reply differs;
- ``[stub:think=N]``: N words of visible reasoning (``reasoning_content`` deltas, as
  DeepSeek and vLLM stream it) before the answer, counted as reasoning tokens;
- ``[stub:filter]``: the provider's content filter ends the reply after 3 words
  (``finish_reason: "content_filter"``);
- ``[stub:split-emoji]``: the reply ends with an emoji sent as its two UTF-16 halves in
  two chunks (``"\ud83d"`` then ``"\ude00"``), as a proxy that cuts JavaScript strings does.
- ``[stub:tool=NAME {JSON}]`` (one or more): when the request offers the tool NAME, call
  it with those arguments (all of them in one step; arguments streamed in two
  fragments, as real servers split them; text that is not JSON is sent as it is);
  then, asked again with the tools' outputs, answer "Tool results: NAME: OUTPUT; ..."
  (at ``[stub:rate=N]``, with ``[stub:words=N]`` filler words after it).
  With ``[stub:tool-loop]`` it calls them again after every result, as long as tools are
  offered (the turn's step bound ends it: asked without tools, it answers).

The output limit is kept as OpenAI keeps it: one chunk is one token, and a reply that
reaches ``max_tokens`` (or ``max_completion_tokens``, reasoning included) ends with
``finish_reason: "length"``. A reasoning model's name (gpt-5, o1, o3, o4-mini...) gets
OpenAI's parameter rules (model_rules.py): ``max_tokens``, a ``temperature`` or
``top_p`` other than 1, or a ``reasoning_effort`` the model does not take is a 400
with OpenAI's own error body.

A title request (the system message is chat_core's TITLE_INSTRUCTIONS) is answered
with the first four words of the transcript's user message, capitalised, directives
ignored: "Packing list for Lyon and Turin" is titled "Packing List For Lyon".
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from local.model_rules import output_limit, refused

MAX_DELAY_SECONDS = 300
DEFAULT_RATE = 100.0
_DELAY = re.compile(r"\[stub:delay=(\d+(?:\.\d+)?)\]")
_STATUS = re.compile(r"\[stub:status=(\d{3})\]")
_RATE = re.compile(r"\[stub:rate=(\d+(?:\.\d+)?)\]")
_WORDS = re.compile(r"\[stub:words=(\d+)\]")
_BREAK = re.compile(r"\[stub:break=(\d+)\]")
_FLAKY = re.compile(r"\[stub:flaky=([\w-]+)\]")
_ECHO = re.compile(r"\[stub:echo\]")
_VARY = re.compile(r"\[stub:vary\]")
_THINK = re.compile(r"\[stub:think=(\d+)\]")
_FILTER = re.compile(r"\[stub:filter\]")
_SPLIT_EMOJI = re.compile(r"\[stub:split-emoji\]")
_TOOL = re.compile(r"\[stub:tool=([\w-]+)(?:\s+(\{[^\[\]]*?\}))?\]")
_TOOL_LOOP = re.compile(r"\[stub:tool-loop\]")
FILTERED_AFTER_WORDS = 3
_ASKED_CHARS = 200
_DIRECTIVE = re.compile(r"\[stub:[^\]]*\]")
FLAKY_FAILURES = 3
_flaky_seen: dict[str, int] = {}
_asked: dict[tuple[str, ...], int] = {}  # [stub:vary]: times each conversation was asked

# What the stub streamed, by completion id (GET /local/openai/v1/_streams): lets a
# test see that Stop really closed the model's stream, and a benchmark the model's own
# time to first token of the turn it measures (found by the message it answered).
_streams: dict[str, dict[str, Any]] = {}
_streams_lock = threading.Lock()


class StreamBroken(Exception):
    """Raised by the SSE generator to make the server drop the connection mid-stream."""


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def _number(pattern: re.Pattern[str], text: str) -> float | None:
    match = pattern.search(text)
    return float(match.group(1)) if match else None


def _reply(users: list[str], latest: str) -> str:
    if _ECHO.search(latest):
        return _DIRECTIVE.sub("", latest).strip()
    reply = f'You said: "{latest}".'
    if _VARY.search(latest):
        asked = _asked[tuple(users)] = _asked.get(tuple(users), 0) + 1
        reply = f"Take {asked}: {reply}" if asked > 1 else reply
    reply += (
        f' Before that you said: "{users[-2]}".'
        if len(users) > 1
        else " There was no earlier message from you."
    )
    words = int(_number(_WORDS, latest) or 0)
    if words:
        reply += " " + " ".join(f"word{n + 1}" for n in range(words))
    return reply


_TITLE_REQUEST = "Title the conversation"
_USER_LINE = re.compile(r"^User: (.*)$", re.MULTILINE)


def stub_title(transcript: str) -> str:
    match = _USER_LINE.search(transcript)
    text = _DIRECTIVE.sub("", match.group(1) if match else transcript)
    words = [w.strip(".,;:!?\"'()") for w in text.split()]
    return " ".join([w[:1].upper() + w[1:] for w in words if w][:4]) or "Untitled"


@dataclass(frozen=True)
class _Plan:
    """What one answer streams: its text and reasoning, how fast, and how it ends."""

    reply: str
    delay: float = 0.0
    rate: float = DEFAULT_RATE
    break_after: float | None = None
    thoughts: int = 0
    limit: int | None = None  # max_tokens / max_completion_tokens
    filtered: bool = False
    split_emoji: bool = False
    # For GET _streams: the start of the message answered, and whether it is a title
    # request, so a test or benchmark finds the record of its own turn.
    asked: str = ""
    title: bool = False

    def pieces(self) -> list[tuple[str, str]]:
        """("reasoning" | "content", text) per chunk, cut at the output limit."""
        thinking = [("reasoning", f"thought{n + 1} ") for n in range(self.thoughts)]
        words = [("content", word) for word in re.findall(r"\S+\s*", self.reply)]
        if self.filtered:
            words = words[:FILTERED_AFTER_WORDS]
        if self.split_emoji:
            words += [("content", " \ud83d"), ("content", "\ude00")]
        return (thinking + words)[: self.limit]

    def finish_reason(self) -> str:
        if self.limit is not None and len(self.pieces()) >= self.limit:
            whole = dataclasses.replace(self, limit=None)
            if len(whole.pieces()) > self.limit:
                return "length"
        return "content_filter" if self.filtered else "stop"


def complete(body: Any) -> tuple[int, dict[str, Any] | Iterator[bytes]]:
    """(status, JSON body) of POST /chat/completions, or (200, SSE chunks) when streaming."""
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return 400, _error("messages is required", "invalid_request_error")
    refusal = refused(body)
    if refusal is not None:
        return 400, refusal
    messages = [m for m in body["messages"] if isinstance(m, dict)]
    users = [str(m.get("content", "")) for m in messages if m.get("role") == "user"]
    latest = users[-1] if users else ""
    limit = output_limit(body)
    if messages and str(messages[0].get("content", "")).startswith(_TITLE_REQUEST):
        return _answer(body, messages, _Plan(stub_title(latest), limit=limit, title=True))
    status = _STATUS.search(latest)
    delay = min(_number(_DELAY, latest) or 0.0, MAX_DELAY_SECONDS)
    flaky = _FLAKY.search(latest)
    if flaky:
        with _streams_lock:
            seen = _flaky_seen[flaky.group(1)] = _flaky_seen.get(flaky.group(1), 0) + 1
        if seen <= FLAKY_FAILURES:
            return 503, _error("stub model is down for now", "server_error")
    if status and int(status.group(1)) >= 400:
        time.sleep(delay)
        return int(status.group(1)), _error("stub model failure requested", "server_error")
    plan = _Plan(
        _reply(users, latest),
        delay=delay,
        rate=_number(_RATE, latest) or DEFAULT_RATE,
        break_after=_number(_BREAK, latest),
        thoughts=int(_number(_THINK, latest) or 0),
        limit=limit,
        filtered=bool(_FILTER.search(latest)),
        split_emoji=bool(_SPLIT_EMOJI.search(latest)),
        asked=latest[:_ASKED_CHARS],
    )
    return _tools_answer(body, messages, latest, limit) or _answer(body, messages, plan)


def _answer(
    body: dict[str, Any], messages: list[dict[str, Any]], plan: _Plan
) -> tuple[int, dict[str, Any] | Iterator[bytes]]:
    """The completion of ``plan``, streamed or whole as the request asked."""
    pieces = plan.pieces()
    reasoning = sum(1 for kind, _ in pieces if kind == "reasoning")
    prompt_tokens = sum(estimate_tokens(str(m.get("content", ""))) for m in messages)
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": len(pieces),
        "total_tokens": prompt_tokens + len(pieces),
        "completion_tokens_details": {"reasoning_tokens": reasoning},
    }
    model = str(body.get("model", "stub-model"))
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    if body.get("stream"):
        options = body.get("stream_options") or {}
        return 200, _stream(
            completion_id, model, plan, usage if options.get("include_usage") else None
        )
    time.sleep(plan.delay)
    return 200, {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "".join(text for kind, text in pieces if kind == "content"),
                },
                "finish_reason": plan.finish_reason(),
                "logprobs": None,
            }
        ],
        "usage": usage,
    }


def _stream(
    completion_id: str, model: str, plan: _Plan, usage: dict[str, Any] | None
) -> Iterator[bytes]:
    record: dict[str, Any] = {
        "asked": plan.asked,
        "title": plan.title,
        "chunks": 0,
        "finished": False,
        "received_at": time.time(),  # the model's own time to first token starts here
        "first_chunk_at": None,
    }
    with _streams_lock:
        _streams[completion_id] = record
        while len(_streams) > 200:
            _streams.pop(next(iter(_streams)))
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        payload: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        }
        if usage is not None:
            payload["usage"] = None
        return f"data: {json.dumps(payload)}\n\n".encode()

    time.sleep(plan.delay)
    yield chunk({"role": "assistant", "content": ""})
    for number, (kind, text) in enumerate(plan.pieces()):
        if plan.break_after is not None and number >= plan.break_after:
            raise StreamBroken()
        if number:
            time.sleep(1 / plan.rate)
        else:
            record["first_chunk_at"] = time.time()
        yield chunk({"reasoning_content": text} if kind == "reasoning" else {"content": text})
        record["chunks"] = number + 1
    yield chunk({}, plan.finish_reason())
    if usage is not None:
        last = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [],
            "usage": usage,
        }
        yield f"data: {json.dumps(last)}\n\n".encode()
    yield b"data: [DONE]\n\n"
    record["finished"] = True


def _tools_answer(
    body: dict[str, Any], messages: list[dict[str, Any]], latest: str, limit: int | None
) -> tuple[int, dict[str, Any] | Iterator[bytes]] | None:
    """Tool calls the latest message asks for, or the answer to their results; None
    when neither applies."""
    calls = _tool_calls(body, messages, latest)
    if calls:
        return _call_tools(body, calls, latest)
    if messages and messages[-1].get("role") == "tool":
        words = int(_number(_WORDS, latest) or 0)
        filler = "".join(f" word{n + 1}" for n in range(words))
        plan = _Plan(
            _tool_results(messages) + filler,
            rate=_number(_RATE, latest) or DEFAULT_RATE,
            limit=limit,
            asked=latest[:_ASKED_CHARS],
        )
        return _answer(body, messages, plan)
    return None


def _tool_calls(
    body: dict[str, Any], messages: list[dict[str, Any]], latest: str
) -> list[tuple[str, str]]:
    """(name, arguments) the stub calls now: the latest user message's tools that the
    request offers, asked first, or again after their results with [stub:tool-loop]."""
    offered = {
        str((tool.get("function") or {}).get("name"))
        for tool in body.get("tools") or []
        if isinstance(tool, dict)
    }
    wanted = [(m.group(1), m.group(2) or "{}") for m in _TOOL.finditer(latest)]
    after_results = bool(messages) and messages[-1].get("role") == "tool"
    if after_results and not _TOOL_LOOP.search(latest):
        return []
    return [(name, arguments) for name, arguments in wanted if name in offered]


def _tool_results(messages: list[dict[str, Any]]) -> str:
    """The answer after tools ran: each output the request carries, by tool name."""
    names = {
        str(call.get("id")): str((call.get("function") or {}).get("name"))
        for m in messages
        if m.get("role") == "assistant"
        for call in m.get("tool_calls") or []
    }
    outputs = [m for m in messages if m.get("role") == "tool"]
    parts = [
        f"{names.get(str(m.get('tool_call_id')), '?')}: {str(m.get('content', ''))[:300]}"
        for m in outputs
    ]
    return "Tool results: " + "; ".join(parts)


def _call_tools(
    body: dict[str, Any], calls: list[tuple[str, str]], latest: str
) -> tuple[int, dict[str, Any] | Iterator[bytes]]:
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    model = str(body.get("model", "stub-model"))
    ids = [f"call_{uuid.uuid4().hex[:12]}" for _ in calls]
    if not body.get("stream"):
        return 200, {
            "id": completion_id,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {"id": i, "type": "function", "function": {"name": n, "arguments": a}}
                            for i, (n, a) in zip(ids, calls, strict=True)
                        ],
                    },
                    "finish_reason": "tool_calls",
                }
            ],
        }
    with _streams_lock:
        _streams[completion_id] = {
            "asked": latest[:_ASKED_CHARS],
            "title": False,
            "tools": [name for name, _ in calls],
            "finished": True,
            "received_at": time.time(),
            "first_chunk_at": time.time(),
            "chunks": len(calls) * 3,
        }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        payload = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(payload)}\n\n".encode()

    def events() -> Iterator[bytes]:
        yield chunk({"role": "assistant", "content": None})
        for index, (call_id, (name, arguments)) in enumerate(zip(ids, calls, strict=True)):
            head = {"index": index, "id": call_id, "type": "function"}
            yield chunk({"tool_calls": [{**head, "function": {"name": name, "arguments": ""}}]})
            middle = len(arguments) // 2
            for fragment in (arguments[:middle], arguments[middle:]):
                yield chunk({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]})
        yield chunk({}, "tool_calls")
        yield b"data: [DONE]\n\n"

    return 200, events()


def streams() -> dict[str, Any]:
    with _streams_lock:
        return {"streams": dict(_streams)}


def models() -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {"id": name, "object": "model", "created": 0, "owned_by": "local"}
            for name in ("gpt-5-mini", "gpt-4o-mini", "o4-mini")
        ],
    }


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}
