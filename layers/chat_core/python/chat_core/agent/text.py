"""Model text made safe to send and store, whatever the stream's chunks cut.

A proxy that cuts JavaScript (UTF-16) strings can split one emoji into its two
surrogate halves across two chunks (JSON ``"\\ud83d"`` then ``"\\ude00"``); Python
decodes each half as a lone surrogate, which UTF-8 cannot encode, so posting or
storing it would fail. Halves split across chunks are joined again; a half that
stays alone (and any other code point UTF-8 cannot carry) becomes U+FFFD.
"""

from __future__ import annotations

_HIGH_SURROGATES = range(0xD800, 0xDC00)
REPLACEMENT = "\ufffd"


def well_formed(text: str) -> str:
    """``text`` with surrogate pairs joined and lone surrogates replaced."""
    if text.isascii():
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


class SurrogateJoiner:
    """Joins a stream's pieces: a high surrogate at the end of a piece waits for the
    low one that may start the next."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, piece: str) -> str:
        text = self._held + piece
        self._held = ""
        if text and ord(text[-1]) in _HIGH_SURROGATES:
            text, self._held = text[:-1], text[-1]
        return well_formed(text)

    def flush(self) -> str:
        """What is still held when the stream ends: a half that never got its pair."""
        held, self._held = self._held, ""
        return REPLACEMENT if held else ""
