"""The tools of a remote MCP server (streamable HTTP), through the official ``mcp``
SDK's client: its tool list, cached per warm worker for the server's ``list_ttl_seconds``,
and each call in a session of its own.

The SDK is asynchronous; a turn's tools run on threads, so each operation is one
``asyncio.run`` on the calling thread, bounded by the server's timeout as a whole
(connect, initialise, the request). Every failure becomes McpUnavailable (listing: the
turn goes on without the server's tools and says so) or ToolFailed (a call: an error
output the model reads). Only the configured URL is contacted.

This module is imported only by a worker whose agent type has an MCP server, so other
turns do not pay the SDK's import.
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

import httpx2
import jsonschema  # type: ignore[import-untyped]
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from chat_core.agent.catalogue import McpServer
from chat_core.observability import logger
from chat_core.tools.mcp_auth import McpUnavailable, server_headers, server_url
from chat_core.tools.spec import ToolContext, ToolFailed

# What Chat Completions accepts as a function name; a server's tool named otherwise is
# not offered.
_TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_DESCRIPTION_CHARS = 1_000

T = TypeVar("T")


@dataclass(frozen=True)
class McpTool:
    """One tool of a remote server, as the model is offered it."""

    server: McpServer
    name: str
    description: str
    input_schema: dict[str, Any]
    secret_prefix: str = ""
    # The schema's checker, built once when the tool is listed (the list is cached).
    validator: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        checker = jsonschema.validators.validator_for(self.input_schema)
        object.__setattr__(self, "validator", checker(self.input_schema))

    @property
    def timeout_seconds(self) -> float:
        return self.server.timeout_seconds

    @property
    def needs_approval(self) -> bool:
        return self.name in self.server.approval

    def schema(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.input_schema,
            },
        }

    def problem(self, arguments: str) -> str | None:
        try:
            value = json.loads(arguments or "{}")
        except ValueError:
            return "Invalid arguments: not JSON."
        if not isinstance(value, dict):
            return "Invalid arguments: a JSON object is expected."
        error = jsonschema.exceptions.best_match(self.validator.iter_errors(value))
        if error is None:
            return None
        where = ".".join(str(part) for part in error.absolute_path)
        return (
            f"Invalid arguments: {where}: {error.message}."
            if where
            else (f"Invalid arguments: {error.message}.")
        )

    def invoke(self, arguments: str, context: ToolContext) -> str:
        values = json.loads(arguments or "{}")
        try:
            result = _session(
                self.server,
                self.secret_prefix,
                self.server.timeout_seconds,
                lambda session: session.call_tool(self.name, values),
            )
        except McpUnavailable as exc:
            raise ToolFailed(f"the {self.server.name} server did not answer: {exc}") from exc
        text = _result_text(result)
        if result.is_error:
            raise ToolFailed(text or "the server reported an error")
        return text


def list_tools(server: McpServer, secret_prefix: str) -> list[McpTool]:
    """The server's tools the operator exposes, from the cache while it is fresh."""
    key = (server, secret_prefix)
    now = time.monotonic()
    with _CACHE_LOCK:
        cached = _LISTED.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    listed = _session(
        server, secret_prefix, server.list_timeout_seconds, lambda session: session.list_tools()
    )
    tools = [
        McpTool(
            server,
            tool.name,
            (tool.description or tool.title or tool.name)[:MAX_DESCRIPTION_CHARS],
            dict(tool.input_schema or {"type": "object", "properties": {}}),
            secret_prefix,
        )
        for tool in listed.tools
        if _TOOL_NAME.match(tool.name) and (server.tools is None or tool.name in server.tools)
    ]
    with _CACHE_LOCK:
        _LISTED[key] = (now + server.list_ttl_seconds, tools)
    return tools


def forget_listings() -> None:
    """Drops the cached tool lists (tests start each from the server)."""
    with _CACHE_LOCK:
        _LISTED.clear()


_LISTED: dict[tuple[McpServer, str], tuple[float, list[McpTool]]] = {}
_CACHE_LOCK = threading.Lock()


def _session(
    server: McpServer,
    secret_prefix: str,
    timeout: float,
    request: Callable[[ClientSession], Awaitable[T]],
) -> T:
    """One request in a fresh session, bounded as a whole by ``timeout``."""
    url = server_url(server)
    headers = server_headers(server, secret_prefix)

    async def run() -> T:
        limits = httpx2.Timeout(timeout, read=timeout + 5)
        async with (
            httpx2.AsyncClient(headers=headers, timeout=limits, verify=_tls()) as http,
            streamable_http_client(url, http_client=http) as (read, write),
            ClientSession(read, write, read_timeout_seconds=timeout) as session,
        ):
            await session.initialize()
            return await request(session)

    try:
        return asyncio.run(asyncio.wait_for(run(), timeout))
    except TimeoutError as exc:
        raise McpUnavailable(f"no answer within {timeout:g} s") from exc
    except Exception as exc:  # transport errors come wrapped in exception groups
        leaf = _leaf(exc)
        logger.warning(
            "an MCP request failed", extra={"server": server.name, "error": type(leaf).__name__}
        )
        raise McpUnavailable(_describe(leaf)) from exc


def _leaf(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _describe(exc: BaseException) -> str:
    if isinstance(exc, httpx2.ConnectError):
        return "it cannot be reached"
    if isinstance(exc, httpx2.HTTPStatusError):
        return f"it answered HTTP {exc.response.status_code}"
    if isinstance(exc, httpx2.TimeoutException | TimeoutError):
        return "it did not answer in time"
    message = str(exc).strip()
    return f"it failed: {message[:200]}" if message else f"it failed ({type(exc).__name__})"


def _result_text(result: Any) -> str:
    parts = [
        getattr(block, "text", None) or f"[{getattr(block, 'type', 'content')}]"
        for block in result.content
    ]
    if not parts and result.structured_content is not None:
        return json.dumps(result.structured_content, ensure_ascii=False)
    return "\n".join(parts)


@lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    """One TLS context per worker: building one costs ~40 ms, and httpx2 builds one for
    every client otherwise (even for http URLs)."""
    return ssl.create_default_context()
