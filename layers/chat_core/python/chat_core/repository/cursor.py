"""Opaque, signed pagination cursors bound to the caller and to the query.

A cursor carries DynamoDB's LastEvaluatedKey. It is HMAC-signed together with a
digest of the caller and of the list it came from, so a tampered cursor, or one
replayed by another user or on another list, is rejected before any read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from chat_core.errors import InvalidCursor


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    """Encodes and verifies cursors with one signing key."""

    def __init__(self, signing_key: str) -> None:
        self._key = signing_key.encode()

    def _sign(self, payload: bytes, binding: str) -> str:
        mac = hmac.new(self._key, payload + b"|" + binding.encode(), hashlib.sha256)
        return _b64(mac.digest()[:24])

    def encode(self, last_key: dict[str, Any] | None, binding: str) -> str | None:
        """``binding`` names the caller and the query; ``None`` means no further page."""
        if not last_key:
            return None
        payload = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
        return f"{_b64(payload)}.{self._sign(payload, binding)}"

    def decode(self, cursor: str | None, binding: str) -> dict[str, Any] | None:
        if cursor is None:
            return None
        try:
            body, signature = cursor.split(".", 1)
            payload = _unb64(body)
        except (ValueError, TypeError) as exc:
            raise InvalidCursor() from exc
        if not hmac.compare_digest(signature, self._sign(payload, binding)):
            raise InvalidCursor()
        try:
            value = json.loads(payload)
        except ValueError as exc:  # pragma: no cover - only reachable with the key
            raise InvalidCursor() from exc
        if not isinstance(value, dict):
            raise InvalidCursor()
        return value
