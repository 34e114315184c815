"""A new conversation's title, made from its first message."""

from __future__ import annotations

TITLE_MAX_CHARS = 60


def title_from_message(message: str) -> str:
    """The first words of the message on one line, cut at a word boundary."""
    words = " ".join(message.split())
    if len(words) <= TITLE_MAX_CHARS:
        return words
    cut = words[:TITLE_MAX_CHARS].rsplit(" ", 1)[0] or words[:TITLE_MAX_CHARS]
    return cut.rstrip(" ,.;:") + "…"
