"""Opaque pagination cursors: encrypted, and bound to the caller and to the query.

A cursor carries DynamoDB's LastEvaluatedKey, which names the table's keys, index keys
and the caller's ``sub``. So it is sealed with AES-256-GCM under a key derived from
CURSOR_SIGNING_KEY, with the caller and the list as associated data: decoding reveals
nothing, and a tampered cursor, or one replayed by another user or on another list,
fails authentication before any read. Anything that is not such a cursor (other
characters, other lengths) is the same ``400 invalid_cursor``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chat_core.errors import InvalidCursor

_NONCE_BYTES = 12
_KEY_CONTEXT = b"chat-backend/pagination-cursor/v1|"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode("ascii"))


class CursorCodec:
    """Seals and opens cursors with one key (derived, so the secret itself is never used).

    The key may be given as a function: it is then fetched on the first cursor only, so a
    function that never pages never reads the secret.
    """

    def __init__(self, signing_key: str | Callable[[], str]) -> None:
        self._key_source = signing_key
        self._sealer: AESGCM | None = None

    @property
    def _aead(self) -> AESGCM:
        if self._sealer is None:
            source = self._key_source
            key = source() if callable(source) else source
            self._sealer = AESGCM(hashlib.sha256(_KEY_CONTEXT + key.encode()).digest())
        return self._sealer

    def encode(self, last_key: dict[str, Any] | None, binding: str) -> str | None:
        """``binding`` names the caller and the query; ``None`` means no further page."""
        if not last_key:
            return None
        payload = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
        nonce = os.urandom(_NONCE_BYTES)
        return _b64(nonce + self._aead.encrypt(nonce, payload, binding.encode()))

    def decode(self, cursor: str | None, binding: str) -> dict[str, Any] | None:
        if cursor is None:
            return None
        try:
            sealed = _unb64(cursor)
            payload = self._aead.decrypt(
                sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], binding.encode()
            )
            value = json.loads(payload)
        except (ValueError, TypeError, binascii.Error, InvalidTag) as exc:
            raise InvalidCursor() from exc
        if not isinstance(value, dict):
            raise InvalidCursor()
        return value
