"""Request bodies that are not a JSON object this API can read, by class.

Unchecked, each class would answer 500 (or, for an array, silently drop all but its
first element). The integration tests send each once; `make fuzz` sends many variants.
"""

from __future__ import annotations

MALFORMED_BODIES: dict[str, bytes] = {
    "not UTF-8": b'{"message": "caf\xe9"}',
    "UTF-16": '{"message": "hi"}'.encode("utf-16"),
    "UTF-32": '{"message": "hi"}'.encode("utf-32"),
    "Latin-1 text": '{"title": "Ærø"}'.encode("latin-1"),
    "a byte-order mark": b'\xef\xbb\xbf{"message": "hi"}',
    "deep nesting": b"[" * 5000 + b"]" * 5000,
    "deep nesting in a field": b'{"message": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "deep object nesting": b'{"a":' * 3000 + b"1" + b"}" * 3000,
    "an integer of 5000 digits": b'{"message": "hi", "x": ' + b"1" * 5000 + b"}",
    "NaN": b'{"message": NaN}',
    "Infinity": b'{"title": Infinity}',
    "-Infinity": b'{"title": -Infinity}',
    "a number out of range": b'{"message": "hi", "stream": 1e999}',
    "an array of objects": b'[{"message": "hi"}, {"message": "again"}]',
    "a string": b'"hi"',
    "a number": b"42",
    "null": b"null",
    "truncated": b'{"message": "hi"',
    "a lone surrogate escape": b'{"message": "\\ud800 [" ',
}


def variants(body: bytes) -> list[bytes]:
    """The body as is, with whitespace around it, and repeated: a few shapes per class."""
    return [body, b" \n" + body + b"\t ", body + b"\n" + body, body[: max(1, len(body) // 2)]]
