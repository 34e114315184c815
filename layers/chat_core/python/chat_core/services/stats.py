"""The caller's totals, kept exact by the transactions that change what they count."""

from __future__ import annotations

from chat_core.models import ConversationCounts, FeedbackCounts, Stats, TokenCounts
from chat_core.repository.port import StatsPort


def read_stats(repo: StatsPort, sub: str) -> Stats:
    """One GetItem of the stats record."""
    counters = repo.get_stats(sub)
    return Stats(
        conversations=ConversationCounts(
            active=counters.active,
            archived=counters.archived,
            by_agent_type=dict(counters.conversations_by_agent_type),
        ),
        messages=counters.messages,
        tokens=TokenCounts(prompt=counters.prompt_tokens, completion=counters.completion_tokens),
        feedback=FeedbackCounts(up=counters.feedback_up, down=counters.feedback_down),
    )
