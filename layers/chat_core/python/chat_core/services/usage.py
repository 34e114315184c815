"""The caller's usage against their daily token budget: what they have used (or hold)
today, what remains and when it resets, read from the stats item the turns keep exact
(one GetItem)."""

from __future__ import annotations

from chat_core.clock import DAY_MS, iso_from_ms
from chat_core.models import TokenCounts
from chat_core.repository.port import StatsPort
from chat_core.usage_models import DayUsage, UsageReport


def read_usage(repo: StatsPort, sub: str, daily_budget: int, now: int) -> UsageReport:
    counters = repo.get_stats(sub)
    today = now // DAY_MS
    used = counters.quota.day_tokens if counters.quota.day == today else 0
    return UsageReport(
        today=DayUsage(
            day=iso_from_ms(today * DAY_MS)[:10],
            tokens=used,
            budget=daily_budget,
            remaining=max(0, daily_budget - used),
            resets_at=iso_from_ms((today + 1) * DAY_MS),
        ),
        total=TokenCounts(prompt=counters.prompt_tokens, completion=counters.completion_tokens),
    )
