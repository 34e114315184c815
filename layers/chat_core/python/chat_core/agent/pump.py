"""Reads a reply stream on a thread of its own, so the turn can act while the model is silent.

A model may think for a minute before its first token. Meanwhile the turn must still
notice a Stop, serve a client that rejoins and watch its deadline, so it reads what
the model produced from a queue with a timeout instead of blocking on the socket.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass

from chat_core.agent.model_port import ModelPiece, ModelUnavailable, ReplyStream


@dataclass(frozen=True)
class StreamEnded:
    """The model finished (``error`` None) or the stream broke (``error`` set)."""

    error: ModelUnavailable | None = None


Piece = ModelPiece | StreamEnded


class StreamPump:
    def __init__(self, stream: ReplyStream) -> None:
        self._stream = stream
        self._queue: queue.Queue[Piece] = queue.Queue()
        self._thread = threading.Thread(target=self._read, name="reply-stream", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for piece in self._stream:
                self._queue.put(piece)
        except ModelUnavailable as exc:
            self._queue.put(StreamEnded(exc))
            return
        except Exception as exc:
            self._queue.put(StreamEnded(ModelUnavailable(f"model stream broke: {exc!r}")))
            return
        self._queue.put(StreamEnded())

    def next(self, timeout: float) -> Piece | None:
        """The next piece, or None when nothing arrived within ``timeout`` seconds."""
        try:
            return self._queue.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None

    def close(self) -> None:
        """Ends the HTTP response now: no further tokens are generated or paid for."""
        try:
            self._stream.close()
        finally:
            self._thread.join(timeout=2)
