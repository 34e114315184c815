"""Finding a conversation by its title (docs/api.md "Search").

Titles are compared folded: Unicode compatibility forms, accents dropped, case
folded, runs of spaces as one, so "cafe" finds "Café" and "strasse" finds "Straße".
Every word of the query must appear in the title, at the start of a word or inside
one (prefix and infix). Content search is a later step: docs/design.md says how it
would scale.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from chat_core.clock import now_ms
from chat_core.models import ConversationPage
from chat_core.repository.port import ConversationPort
from chat_core.services.api_shapes import conversation_to_api
from chat_core.services.pagination import CursorCodec


def fold(text: str) -> str:
    """The form titles and queries are compared in."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def title_matcher(query: str) -> Callable[[str], bool]:
    """Whether a title holds every word of ``query`` (folded, in any order).

    A query of spaces only is refused by the route (400); one that folds to nothing
    (a lone accent, "¨") matches nothing."""
    words = fold(query).split()

    def matches(title: str) -> bool:
        folded = fold(title)
        return bool(words) and all(word in folded for word in words)

    return matches


class ConversationSearch:
    def __init__(
        self, repo: ConversationPort, cursors: CursorCodec, clock: Callable[[], int] = now_ms
    ) -> None:
        self._repo = repo
        self._cursors = cursors
        self._clock = clock

    def search(self, sub: str, query: str, *, limit: int, cursor: str | None) -> ConversationPage:
        """One page of matches; the cursor is bound to the caller and the folded query."""
        matches = title_matcher(query)
        binding = f"search|{sub}|{fold(query)}"
        start_key = self._cursors.decode(cursor, binding)
        page = self._repo.search_conversations(sub, matches, limit=limit, start_key=start_key)
        return ConversationPage(
            items=[conversation_to_api(c, self._clock()) for c in page.items],
            next_cursor=self._cursors.encode(page.last_key, binding),
        )
