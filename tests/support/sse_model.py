"""A second, independent OpenAI-compatible server, so the streaming path is not tuned to
the stub's quirks.

Unlike local/stub_model.py it streams a fixed story in 3-character chunks, separates
events with CRLF, sends SSE comments (keep-alives), opens with an Azure-style chunk
that has no ``choices`` (its prompt filter results), sends a separate
``finish_reason`` chunk, puts ``usage`` (with ``completion_tokens_details``) on the
last chunk when asked to, and keeps OpenAI's parameter rules for reasoning models
(local/model_rules.py). Markers in the last message ask for what real servers do:

- ``FAIL_MID_STREAM``: an ``error`` object in a data line after some text (OpenAI);
- ``THINK``: reasoning first, as ``reasoning`` deltas (OpenRouter, Ollama), and its
  token count in ``completion_tokens_details``; ``SLOW_THINK``: the same, slowly;
- ``SPLIT_SURROGATES``: an emoji as its two UTF-16 halves in two chunks (a proxy that
  cuts JavaScript strings), and one lone half;
- ``CUT_AT_LENGTH``: the story ends half-way with ``finish_reason: "length"``;
- ``FILTERED``: Azure's content filter ends it (``finish_reason: "content_filter"``);
- ``NO_USAGE``: no usage chunk, whatever was asked;
- ``HUGE``: 500 KB of text in 4,000-character chunks (a server that ignores the limit);
- ``BAD_KEY``: 401 with OpenAI's ``invalid_api_key`` body, before anything streams;
- ``TOOLS`` (when the request offers tools): three calls in one step, streamed the way
  OpenAI does (id and name in a call's first delta, arguments in 3-character
  fragments, the calls' deltas interleaved by ``index``), the last with arguments that
  are not JSON; asked again with the outputs, it answers "Outputs: " and each output.

Every request body is kept (``requests``), so a test can see what the backend sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from local.model_rules import refused

STORY = (
    "Once upon a time, a patient server streamed every token it had, and the client kept each one."
)
THOUGHTS = "First I weigh the question. Then I choose the words."
CHUNK = 3
HUGE_CHUNK = "x" * 4000
EMOJI_HALVES = ("\ud83d", "\ude00")
SPLIT_TEXT = "Smile \U0001f600 and a lone \ufffd."  # what SPLIT_SURROGATES reads as
BAD_KEY_MESSAGE = "Incorrect API key provided: sk-test. You can find your API key at the dashboard."


def _pieces(text: str) -> list[str]:
    return [text[start : start + CHUNK] for start in range(0, len(text), CHUNK)]


TOOL_CALLS = (
    ("call_1", "calculator", '{"expression": "2 + 3 * 4"}'),
    ("call_2", "current_time", '{"time_zone": "America/New_York"}'),
    ("call_3", "calculator", "{expression: 2}"),
)


def _tool_call_deltas() -> list[dict[str, Any]]:
    """The calls' deltas, interleaved: every call's head, then a fragment of each in turn."""
    heads = [
        {"index": i, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}
        for i, (call_id, name, _) in enumerate(TOOL_CALLS)
    ]
    fragments = [_pieces(arguments) for _, _, arguments in TOOL_CALLS]
    tails = [
        {"index": i, "function": {"arguments": fragments[i][n]}}
        for n in range(max(len(f) for f in fragments))
        for i in range(len(TOOL_CALLS))
        if n < len(fragments[i])
    ]
    return heads + tails


def _events(body: dict[str, Any]) -> Iterator[bytes]:
    last = str(body["messages"][-1].get("content", ""))
    after_tools = body["messages"][-1].get("role") == "tool"
    usage = (body.get("stream_options") or {}).get("include_usage", False)
    base = {"id": "cmpl-second", "object": "chat.completion.chunk", "created": 1, "model": "m"}

    def data(payload: dict[str, Any]) -> bytes:
        return b"data: " + json.dumps({**base, **payload}).encode() + b"\r\n\r\n"

    def delta(content: dict[str, Any], finish: str | None = None) -> bytes:
        return data({"choices": [{"index": 0, "delta": content, "finish_reason": finish}]})

    yield b": keep-alive\r\n\r\n"
    yield data({"choices": [], "prompt_filter_results": [{"prompt_index": 0}]})
    yield delta({"role": "assistant"})
    thinking = "THINK" in last
    if thinking:
        for piece in _pieces(THOUGHTS):
            yield delta({"reasoning": piece})
            time.sleep(0.25 if "SLOW_THINK" in last else 0.01)
    if "TOOLS" in last and body.get("tools") and not after_tools:
        for call in _tool_call_deltas():
            yield delta({"tool_calls": [call]})
        yield delta({}, "tool_calls")
        yield b"data: [DONE]\r\n\r\n"
        return
    if after_tools:
        outputs = [str(m.get("content")) for m in body["messages"] if m.get("role") == "tool"]
        pieces = _pieces("Outputs: " + " | ".join(outputs))
    elif "HUGE" in last:
        pieces = [HUGE_CHUNK] * 125
    elif "SPLIT_SURROGATES" in last:
        pieces = ["Smile ", EMOJI_HALVES[0], EMOJI_HALVES[1] + " and a lone ", EMOJI_HALVES[0], "."]
    else:
        pieces = _pieces(STORY)
    finish = "stop"
    if "CUT_AT_LENGTH" in last or "FILTERED" in last:
        pieces = pieces[: len(pieces) // 2]
        finish = "length" if "CUT_AT_LENGTH" in last else "content_filter"
    for number, piece in enumerate(pieces):
        if "FAIL_MID_STREAM" in last and number == 5:
            yield data({"error": {"message": "overloaded", "type": "server_error"}})
            return
        yield delta({"content": piece})
        time.sleep(0.01 if len(piece) < len(HUGE_CHUNK) else 0)
    yield delta({}, finish)
    if usage and "NO_USAGE" not in last:
        reasoning = len(_pieces(THOUGHTS)) if thinking else 0
        yield data(
            {
                "choices": [],
                "usage": {
                    "prompt_tokens": 11,
                    "completion_tokens": 23 + reasoning,
                    "total_tokens": 34 + reasoning,
                    "completion_tokens_details": {"reasoning_tokens": reasoning},
                },
            }
        )
    yield b"data: [DONE]\r\n\r\n"


@dataclass
class SecondServer:
    base_url: str
    requests: list[dict[str, Any]] = field(default_factory=list)


def _handler(server: SecondServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            server.requests.append(body)
            if self.path != "/v1/chat/completions" or not body.get("stream"):
                self._json(400, {"error": {"message": "stream only", "type": "invalid_request"}})
                return
            refusal = refused(body)
            last = str(body["messages"][-1].get("content", ""))
            if refusal is None and "BAD_KEY" in last:
                refusal = {
                    "error": {
                        "message": BAD_KEY_MESSAGE,
                        "type": "invalid_request_error",
                        "param": None,
                        "code": "invalid_api_key",
                    }
                }
                self._json(401, refusal)
                return
            if refusal is not None:
                self._json(400, refusal)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Connection", "close")
            self.end_headers()
            for event in _events(body):
                self.wfile.write(event)
                self.wfile.flush()
            self.close_connection = True

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            raw = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def second_model_server() -> Iterator[SecondServer]:
    """The server (its base URL is ``http://127.0.0.1:<port>/v1``) while it runs."""
    state = SecondServer("")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
