"""The WebSocket API, emulated: RFC 6455 framing with API Gateway's limits and events.

What a client meets here is what it meets in AWS: the token checked by the real
$connect authorizer function, the $connect/$disconnect/$default functions called
with API Gateway's event shapes, 32 KB frames and 128 KB messages (more closes the
connection with 1009), a 10-minute idle timeout and a 2-hour connection limit, and a
management API (``/@connections/{id}``) where a connection that is gone answers 410
GoneException, as the worker sees in AWS.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

FRAME_LIMIT = 32 * 1024
MESSAGE_LIMIT = 128 * 1024
IDLE_SECONDS = 600
MAX_CONNECTION_SECONDS = 7200
_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
log = logging.getLogger("local.websocket")

OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class ConnectionClosed(Exception):
    pass


def accept_key(key: str) -> str:
    return base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()  # noqa: S324


@dataclass
class Connection:
    """One open WebSocket; ``send`` is safe from any thread (the worker's posts)."""

    connection_id: str
    reader: Any  # the handler's buffered socket reader
    writer: Any
    sock: socket.socket
    source_ip: str
    user_agent: str
    authorizer: dict[str, Any]
    connected_at: float = field(default_factory=time.time)
    last_active: float = field(default_factory=time.monotonic)
    opened: float = field(default_factory=time.monotonic)
    closed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, data: bytes, opcode: int = OP_TEXT) -> None:
        """Sends one message, in 32 KB frames like API Gateway; nothing after a close frame."""
        pieces = [data[i : i + FRAME_LIMIT] for i in range(0, len(data), FRAME_LIMIT)] or [b""]
        with self._lock:
            if self.closed:
                raise ConnectionClosed()
            if opcode == OP_CLOSE:
                self.closed = True
            try:
                for number, piece in enumerate(pieces):
                    code = opcode if number == 0 else OP_CONTINUATION
                    fin = 0x80 if number == len(pieces) - 1 else 0
                    self.writer.write(_frame_header(fin | code, len(piece)) + piece)
                self.writer.flush()
            except OSError as exc:
                self.closed = True
                raise ConnectionClosed() from exc
        self.last_active = time.monotonic()

    def close(self, code: int = 1000, reason: str = "") -> None:
        with contextlib.suppress(ConnectionClosed):
            self.send(struct.pack("!H", code) + reason.encode()[:120], OP_CLOSE)
        self.closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def receive(self) -> str | None:
        """The next text message; None once the connection is over (closed, idle, too big)."""
        parts: list[bytes] = []
        size = 0
        while True:
            frame = self._read_frame()
            if frame is None:
                return None
            opcode, fin, payload = frame
            if opcode == OP_PING:
                try:
                    self.send(payload, OP_PONG)
                except ConnectionClosed:
                    return None
                continue
            if opcode == OP_PONG:
                continue
            if opcode == OP_CLOSE:
                self.close(1000)
                return None
            if opcode in (OP_TEXT, OP_BINARY, OP_CONTINUATION):
                size += len(payload)
                if size > MESSAGE_LIMIT:
                    self.close(1009, "Message too big")
                    return None
                parts.append(payload)
                if fin:
                    return b"".join(parts).decode("utf-8", errors="replace")

    def _read_frame(self) -> tuple[int, bool, bytes] | None:
        try:
            head = self._read_exactly(2)
            fin, opcode = bool(head[0] & 0x80), head[0] & 0x0F
            masked, length = bool(head[1] & 0x80), head[1] & 0x7F
            if length == 126:
                length = struct.unpack("!H", self._read_exactly(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", self._read_exactly(8))[0]
            if length > FRAME_LIMIT:
                self.close(1009, "Frame too big")
                return None
            mask = self._read_exactly(4) if masked else b""
            payload = self._read_exactly(length)
        except (ConnectionClosed, OSError):
            self.closed = True
            return None
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.last_active = time.monotonic()
        return opcode, fin, payload

    def _read_exactly(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            chunk = self.reader.read1(count - len(data))
            if not chunk:
                raise ConnectionClosed()
            data += chunk
        return data

    def watch(self) -> None:
        """Closes the connection when idle 10 minutes or open 2 hours, like API Gateway.

        A thread of its own: reads block without a timeout (a timed-out socket file
        cannot be read again), and closing the socket is what ends a blocked read.
        """

        def run() -> None:
            while not self.closed:
                time.sleep(1.0)
                now = time.monotonic()
                if (
                    now - self.last_active > IDLE_SECONDS
                    or now - self.opened > MAX_CONNECTION_SECONDS
                ):
                    self.close(1001, "Going away")

        threading.Thread(target=run, name=f"ws-watch-{self.connection_id}", daemon=True).start()


def _frame_header(first: int, length: int) -> bytes:
    if length < 126:
        return struct.pack("!BB", first, length)
    if length < 65536:
        return struct.pack("!BBH", first, 126, length)
    return struct.pack("!BBQ", first, 127, length)


class WebSocketHub:
    """The open connections, by id: what the management API reaches."""

    def __init__(self) -> None:
        self._connections: dict[str, Connection] = {}
        self._lock = threading.Lock()

    def add(self, connection: Connection) -> None:
        with self._lock:
            self._connections[connection.connection_id] = connection

    def remove(self, connection_id: str) -> None:
        with self._lock:
            self._connections.pop(connection_id, None)

    def get(self, connection_id: str) -> Connection | None:
        with self._lock:
            connection = self._connections.get(connection_id)
        return connection if connection and not connection.closed else None

    def __len__(self) -> int:
        with self._lock:
            return len(self._connections)


def new_connection_id() -> str:
    """Like API Gateway's: short, URL-safe, ending in '='."""
    return base64.b64encode(uuid.uuid4().bytes[:12]).decode().replace("/", "_").replace("+", "-")


def route_event(
    route_key: str,
    event_type: str,
    connection: Connection | None,
    *,
    connection_id: str,
    authorizer: dict[str, Any] | None,
    headers: dict[str, str] | None = None,
    body: str | None = None,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """A WebSocket route's event as API Gateway sends it to a Lambda proxy integration."""
    now = datetime.now(UTC)
    context: dict[str, Any] = {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": str(uuid.uuid4()),
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "messageDirection": "IN",
        "stage": "local",
        "connectedAt": int((connection.connected_at if connection else time.time()) * 1000),
        "requestTimeEpoch": int(now.timestamp() * 1000),
        "identity": {"sourceIp": source_ip},
        "requestId": str(uuid.uuid4()),
        "domainName": "127.0.0.1",
        "connectionId": connection_id,
        "apiId": "local",
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    if event_type == "MESSAGE":
        context["messageId"] = str(uuid.uuid4())
    event: dict[str, Any] = {"requestContext": context, "isBase64Encoded": False}
    if headers is not None:
        event["headers"] = headers
        event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    if body is not None:
        event["body"] = body
    return event


def select_route(routes: dict[str, str], body: str) -> str:
    """``$request.body.action``: the route named by the message's action, else $default.

    A message never reaches $connect or $disconnect, whatever its action says (API
    Gateway runs those only when a connection opens or closes), and one the parser
    cannot read, however it nests, goes to $default."""
    try:
        action = json.loads(body).get("action")
    except (ValueError, AttributeError, RecursionError):
        action = None
    if isinstance(action, str) and action in routes and not action.startswith("$"):
        return action
    return "$default"


def serve_messages(
    connection: Connection,
    routes: dict[str, str],
    two_way: frozenset[str],
    invoke: Callable[[str, dict[str, Any]], Any],
) -> None:
    """The connection's life after the handshake: each message to its route's function."""
    with contextlib.suppress(ConnectionClosed):  # the client left mid-answer: the end
        while True:
            body = connection.receive()
            if body is None:
                return
            route_key = select_route(routes, body)
            function = routes.get(route_key)
            if function is None:
                answer = {"message": "Forbidden", "connectionId": connection.connection_id}
                connection.send(json.dumps(answer).encode())
                continue
            event = route_event(
                route_key,
                "MESSAGE",
                connection,
                connection_id=connection.connection_id,
                authorizer=connection.authorizer,
                body=body,
                source_ip=connection.source_ip,
            )
            try:
                result = invoke(function, event)
            except Exception:
                log.exception("websocket route %s failed", route_key)
                answer = {
                    "message": "Internal server error",
                    "connectionId": connection.connection_id,
                }
                connection.send(json.dumps(answer).encode())
                continue
            if route_key in two_way and isinstance(result, dict) and result.get("body"):
                connection.send(str(result["body"]).encode())
