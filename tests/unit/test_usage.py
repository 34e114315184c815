"""GET /v1/usage's arithmetic: today's tokens from the stats item, nothing from another
day, never a negative remainder."""

from __future__ import annotations

from chat_core.clock import DAY_MS
from chat_core.repository.records import Quota, StatsRecord
from chat_core.services.usage import read_usage

DAY = 20_000  # an epoch day: 2024-10-04


class Stored:
    def __init__(self, quota: Quota) -> None:
        self.record = StatsRecord(prompt_tokens=90, completion_tokens=10, quota=quota)

    def get_stats(self, sub: str) -> StatsRecord:
        return self.record


def test_today_counts_the_day_tokens_and_says_when_they_reset() -> None:
    noon = DAY * DAY_MS + DAY_MS // 2
    usage = read_usage(Stored(Quota(day=DAY, day_tokens=150)), "alice", 1000, noon)
    assert usage.today.model_dump() == {
        "day": "2024-10-04",
        "tokens": 150,
        "budget": 1000,
        "remaining": 850,
        "resets_at": "2024-10-05T00:00:00.000Z",
    }
    assert (usage.total.prompt, usage.total.completion) == (90, 10)


def test_yesterdays_tokens_are_not_today_and_an_overshoot_leaves_nothing() -> None:
    tomorrow = (DAY + 1) * DAY_MS
    assert read_usage(Stored(Quota(day=DAY, day_tokens=150)), "a", 100, tomorrow).today.tokens == 0
    spent = read_usage(Stored(Quota(day=DAY, day_tokens=150)), "a", 100, DAY * DAY_MS)
    assert (spent.today.tokens, spent.today.remaining) == (150, 0)
