"""make dev's MCP server: a notes store over streamable HTTP on loopback, built with the
official ``mcp`` SDK's server side, so the "notes" agent type has remote tools in the
first minute. ``list_notes`` reads; ``add_note`` writes (the agent types file marks it
as needing the user's approval). Requests must carry the bearer token the local stack
gives the functions as MCP_SECRET_NOTES.

The notes live in this process's memory, shared by every user of the local stack: a
demonstration of a remote tool, not a per-user store.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn
from mcp.server import MCPServer

MAX_NOTES = 200
MAX_NOTE_CHARS = 2_000

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def notes_server() -> MCPServer:
    notes: list[str] = []
    lock = threading.Lock()
    server = MCPServer("notes", log_level="WARNING")

    @server.tool()
    def list_notes() -> str:
        """The notes saved so far, numbered, oldest first."""
        with lock:
            if not notes:
                return "There are no notes yet."
            return "\n".join(f"{n}. {text}" for n, text in enumerate(notes, 1))

    @server.tool()
    def add_note(text: str) -> str:
        """Saves a note (a short text) for later."""
        text = text.strip()[:MAX_NOTE_CHARS]
        if not text:
            raise ValueError("a note needs some text")
        with lock:
            notes.append(text)
            del notes[:-MAX_NOTES]
            return f"Saved note {len(notes)}: {text}"

    return server


def bearer_only(app: App, token: str) -> App:
    """The app, answering 401 to a request without ``Authorization: Bearer <token>``."""
    expected = f"Bearer {token}".encode()

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, expected):
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [(b"content-type", b"text/plain")],
                    }
                )
                await send({"type": "http.response.body", "body": b"unauthorized"})
                return
        await app(scope, receive, send)

    return guarded


class BackgroundMcpServer:
    """An MCP server's streamable HTTP app served by uvicorn on a daemon thread."""

    def __init__(self, server: MCPServer, port: int, token: str | None = None) -> None:
        app: App = server.streamable_http_app(stateless_http=True, json_response=True)
        if token is not None:
            app = bearer_only(app, token)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True, name="mcp")
        self.url = f"http://127.0.0.1:{port}/mcp"

    def start(self, timeout: float = 15.0) -> BackgroundMcpServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"the MCP server at {self.url} did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
