"""Every route that writes or scans spends one of the user's changes-and-searches per
minute (RATE_LIMIT_ACTIONS_PER_MINUTE): one token holder cannot spend the stage's
shared API Gateway throttle, or its write capacity, for everyone else.

Chat turns keep their own, costlier budget (per minute and per day, in the claim's
transaction); these routes count on an item per user and minute (one conditional
UpdateItem, 1 write unit; DynamoDB's TTL removes it), spent before the route runs, so
a refused request changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

from chat_core.clock import MINUTE_MS, now_ms
from chat_core.errors import RateLimited
from chat_core.settings import Settings

_KEPT_SECONDS = 120  # the item outlives its minute a little; TTL then removes it


class Counters(Protocol):
    def spend(self, sub: str, minute: int, limit: int, ttl: int) -> bool: ...


class ActionBudget:
    def __init__(
        self, counters: Counters, settings: Settings, clock: Callable[[], int] = now_ms
    ) -> None:
        self._counters = counters
        self._limit = settings.rate_limit_actions_per_minute
        self._clock = clock

    def spend(self, sub: str) -> None:
        """Spends one; RateLimited (with the seconds to the next minute) when none is left."""
        now = self._clock()
        minute = now // MINUTE_MS
        if self._counters.spend(sub, minute, self._limit, now // 1000 + _KEPT_SECONDS):
            return
        seconds = max(1, math.ceil((MINUTE_MS - now % MINUTE_MS) / 1000))
        raise RateLimited(
            f"You can make {self._limit} changes or searches per minute; retry in {seconds} s.",
            retry_after=seconds,
        )
