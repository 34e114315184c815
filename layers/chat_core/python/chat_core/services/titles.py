"""A new conversation's title, made from its first message."""

from __future__ import annotations

TITLE_MAX_CHARS = 60


def title_from_message(message: str) -> str:
    """The first words of the message on one line, cut at a word boundary."""
    words = " ".join(message.split())
    if len(words) <= TITLE_MAX_CHARS:
        return words
    window = words[:TITLE_MAX_CHARS]
    cut = window.rpartition(" ")[0] or window  # one long word is cut inside itself
    return cut.rstrip(" ,.;:") + "…"
