"""A WebSocket client of the live-reply API, as any frontend would use it.

It offers the token as a subprotocol (``chat.v1``, ``bearer.<JWT>``), collects every
event on a thread, and rebuilds each turn's text from ``turn.started`` + deltas by
their offsets, the way a client must.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from websockets.sync.client import ClientConnection, connect


def websocket_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://", 1) + "/ws"


class LiveClient:
    def __init__(self, base_url: str, token: str) -> None:
        self.connection: ClientConnection = connect(  # type: ignore[call-overload]
            websocket_url(base_url),
            subprotocols=["chat.v1", f"bearer.{token}"],
            open_timeout=10,
            legacy=True,  # a long-lived client, closed by close() rather than a with-block
        )
        self.events: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            for message in self.connection:
                with self._changed:
                    self.events.append(json.loads(message))
                    self._changed.notify_all()
        except Exception:  # noqa: S110 - the connection ended; events stay readable
            pass
        with self._changed:
            self._changed.notify_all()

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30
    ) -> dict[str, Any]:
        """The first event (seen so far or coming) for which ``predicate`` holds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for event in self.events:
                    if predicate(event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no such event; got {[e['type'] for e in self.events]}")
                self._changed.wait(left)

    def end_of(self, conversation_id: str, timeout: float = 60) -> dict[str, Any]:
        return self.wait_for(
            lambda e: e.get("conversation_id") == conversation_id
            and e["type"] in ("turn.completed", "turn.failed"),
            timeout,
        )

    def text_of(self, turn_id: str) -> str:
        """The reply as this client saw it stream: started.text, then deltas at their offsets."""
        text = ""
        with self._changed:
            events = list(self.events)
        for event in events:
            if event.get("turn_id") != turn_id:
                continue
            if event["type"] == "turn.started":
                text = event["text"] if len(event["text"]) >= len(text) else text
            elif event["type"] == "turn.delta" and event["offset"] <= len(text):
                text = text[: event["offset"]] + event["text"]
        return text

    def reasoning_of(self, turn_id: str) -> str:
        """The reasoning as this client saw it stream, pieces at their offsets."""
        reasoning = ""
        for event in self.of_type("turn.reasoning"):
            if event.get("turn_id") == turn_id and event["offset"] <= len(reasoning):
                reasoning = reasoning[: event["offset"]] + event["text"]
        return reasoning

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        with self._changed:
            return [e for e in self.events if e["type"] == kind]

    def send(self, payload: dict[str, Any]) -> None:
        self.connection.send(json.dumps(payload))

    def wait_closed(self, timeout: float = 10) -> None:
        """Until the server has closed the connection (the reader thread ends with it)."""
        self._reader.join(timeout)
        assert not self._reader.is_alive(), "the connection stayed open"

    def close(self) -> None:
        self.connection.close()
        self._reader.join(timeout=5)
