"""How deeply a JSON text nests, found without parsing it.

Python's parser recurses once per level: a frame of 32 KB of ``[`` is a RecursionError
(an unhandled error per frame in Lambda). Counting brackets outside strings first,
and refusing beyond a small bound, keeps hostile input from ever reaching the parser.
"""

from __future__ import annotations

_OPEN, _CLOSE = "[{", "]}"


def nests_deeper_than(text: str, limit: int) -> bool:
    """True when ``text``'s arrays and objects nest more than ``limit`` levels."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif char in _CLOSE:
            depth -= 1
    return False
