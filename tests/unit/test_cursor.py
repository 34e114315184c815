"""Cursors are opaque (encrypted), authenticated and bound to the caller and the list."""

from __future__ import annotations

import pytest

from chat_core.errors import InvalidCursor
from chat_core.services.pagination import CursorCodec

KEY = {"PK": "USER#alice#CONV#c1", "SK": "MSG#0000000020"}


def test_round_trip() -> None:
    codec = CursorCodec("k")
    cursor = codec.encode(KEY, "messages|alice|c1|asc")
    assert cursor is not None and "alice" not in cursor
    assert codec.decode(cursor, "messages|alice|c1|asc") == KEY


def test_no_more_pages_is_null() -> None:
    assert CursorCodec("k").encode(None, "b") is None


@pytest.mark.parametrize(
    "binding", ["messages|mallory|c1|asc", "messages|alice|c2|asc", "messages|alice|c1|desc"]
)
def test_another_user_or_list_is_rejected(binding: str) -> None:
    codec = CursorCodec("k")
    cursor = codec.encode(KEY, "messages|alice|c1|asc")
    with pytest.raises(InvalidCursor):
        codec.decode(cursor, binding)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: c[:-2] + "AA",
        lambda c: "x" + c,
        lambda c: c[:10],
        lambda c: "%%%",
        lambda c: ".é",  # non-ASCII (found by Schemathesis' stateful phase: was a 500)
        lambda c: c + "é",
        lambda c: "",
    ],
)
def test_tampered_cursors_are_rejected(mangle) -> None:  # type: ignore[no-untyped-def]
    codec = CursorCodec("k")
    cursor = codec.encode(KEY, "b")
    assert cursor is not None
    with pytest.raises(InvalidCursor):
        codec.decode(mangle(cursor), "b")


def test_a_cursor_signed_with_another_key_is_rejected() -> None:
    cursor = CursorCodec("other").encode(KEY, "b")
    with pytest.raises(InvalidCursor):
        CursorCodec("k").decode(cursor, "b")


def test_decoding_a_cursor_reveals_nothing() -> None:
    """The contract calls cursors opaque: no key name, index name or user in them."""
    import base64

    key = {"PK": "USER#alice", "SK": "CONV#c1", "LSI1SK": "active#0001#c1"}
    cursor = CursorCodec("k").encode(key, "conversations|alice|active")
    assert cursor is not None
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    for secret in (b"USER", b"alice", b"LSI1SK", b"CONV", b"active", b"PK"):
        assert secret not in raw
    assert CursorCodec("k").encode(key, "b") != CursorCodec("k").encode(key, "b")  # random nonce


def test_every_length_of_key_survives_the_round_trip() -> None:
    """Cursors are unpadded base64: each length class of the sealed bytes must decode."""
    codec = CursorCodec("k")
    for length in range(40):
        key = {"PK": "USER#alice", "SK": "x" * length}
        assert codec.decode(codec.encode(key, "b"), "b") == key
