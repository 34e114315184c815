"""The caller's totals, kept exact by the transactions that change what they count."""

from __future__ import annotations

from chat_core.models import ConversationCounts, Stats, TokenCounts
from chat_core.repository import keys
from chat_core.repository.port import ChatRepository


def read_stats(repo: ChatRepository, sub: str) -> Stats:
    """One GetItem of the stats record."""
    counters = repo.get_stats(sub)
    total_prefix = keys.total_count_attr("")
    by_agent = {
        name.removeprefix(total_prefix): count
        for name, count in counters.items()
        if name.startswith(total_prefix) and count > 0
    }
    return Stats(
        conversations=ConversationCounts(
            active=counters.get("conv_active", 0),
            archived=counters.get("conv_archived", 0),
            by_agent_type=by_agent,
        ),
        messages=counters.get("messages", 0),
        tokens=TokenCounts(
            prompt=counters.get("prompt_tokens", 0),
            completion=counters.get("completion_tokens", 0),
        ),
    )
