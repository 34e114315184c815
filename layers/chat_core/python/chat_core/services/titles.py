"""A new conversation's title, made from its first message."""

from __future__ import annotations

from chat_core.text_rules import ZERO_WIDTH, safe_for_title

TITLE_MAX_CHARS = 60
DEFAULT_TITLE = "New conversation"
_NO_ZERO_WIDTH = str.maketrans("", "", ZERO_WIDTH)


def title_from_message(message: str) -> str:
    """The first words of the message on one line, cut at a word boundary, without
    control characters, bidirectional overrides or zero-width characters."""
    words = " ".join(safe_for_title(" ".join(message.split())).translate(_NO_ZERO_WIDTH).split())
    if len(words) <= TITLE_MAX_CHARS:
        return words  # "" when nothing printable is left: the caller says what then
    window = words[:TITLE_MAX_CHARS]
    cut = window.rpartition(" ")[0] or window  # one long word is cut inside itself
    return cut.rstrip(" ,.;:") + "…"


def title_for(message: str) -> str:
    """A conversation's title from its first message; one with nothing printable to
    show (control characters only) is titled as an untitled conversation is."""
    return title_from_message(message) or DEFAULT_TITLE
