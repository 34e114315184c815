"""What counts as text a person wrote, and what a title may hold.

A title is shown on one line in every list: control characters (NUL, line breaks,
escapes) have no place there, and the bidirectional overrides and isolates (U+202A to
U+202E, U+2066 to U+2069) can make "evil" read as "live". A title given by the user
holding any of them is refused; one made from a message or by the model has them
taken out. A message or title made only of whitespace and zero-width characters
(U+200B to U+200D, U+2060, U+FEFF) is blank, however long it is.
"""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_NO_ZERO_WIDTH = str.maketrans("", "", ZERO_WIDTH)


def _unsafe(char: str) -> bool:
    return char in BIDI_CONTROLS or unicodedata.category(char) == "Cc"


def unsafe_in_title(text: str) -> bool:
    """True when ``text`` holds a control character or a bidirectional override."""
    return any(_unsafe(char) for char in text)


def safe_for_title(text: str) -> str:
    """``text`` with every control character and bidirectional override taken out."""
    return "".join(char for char in text if not _unsafe(char))


def is_blank(text: str) -> bool:
    """Only whitespace and zero-width characters."""
    return not text.translate(_NO_ZERO_WIDTH).strip()
