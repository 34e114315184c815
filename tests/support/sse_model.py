"""A second, independent OpenAI-compatible server, so the streaming path is not tuned to
the stub's quirks.

Unlike local/stub_model.py it streams a fixed story in 3-character chunks, separates
events with CRLF, sends SSE comments (keep-alives) and a separate ``finish_reason``
chunk, always puts ``usage`` on the last chunk when asked to, and fails mid-stream the
way OpenAI does: an ``error`` object in a data line, after some text.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

STORY = (
    "Once upon a time, a patient server streamed every token it had, and the client kept each one."
)
CHUNK = 3


def _events(body: dict[str, Any]) -> Iterator[bytes]:
    last = str(body["messages"][-1].get("content", ""))
    usage = (body.get("stream_options") or {}).get("include_usage", False)
    base = {"id": "cmpl-second", "object": "chat.completion.chunk", "created": 1, "model": "m"}

    def data(payload: dict[str, Any]) -> bytes:
        return b"data: " + json.dumps({**base, **payload}).encode() + b"\r\n\r\n"

    yield b": keep-alive\r\n\r\n"
    yield data({"choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]})
    for number, start in enumerate(range(0, len(STORY), CHUNK)):
        if "FAIL_MID_STREAM" in last and number == 5:
            yield data({"error": {"message": "overloaded", "type": "server_error"}})
            return
        piece = STORY[start : start + CHUNK]
        yield data({"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
        time.sleep(0.01)
    yield data({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if usage:
        yield data(
            {
                "choices": [],
                "usage": {"prompt_tokens": 11, "completion_tokens": 23, "total_tokens": 34},
            }
        )
    yield b"data: [DONE]\r\n\r\n"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        if self.path != "/v1/chat/completions" or not body.get("stream"):
            self.send_response(400)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        for event in _events(body):
            self.wfile.write(event)
            self.wfile.flush()
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def second_model_server() -> Iterator[str]:
    """Its base URL (``http://127.0.0.1:<port>/v1``) while it runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
