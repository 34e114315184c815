"""The one owner of retries: writes that lost a race are tried again here, and only here.

Our transactions are conditional on what was read (the active count, the message
count), so under contention some are refused and must re-read; a transaction that
collided with another (WriteConflict) wrote nothing and may simply be tried again.
The repository reports both at once; this policy decides how often and for how long.
Jitter keeps the losers from colliding again; the bounds (attempts and a time budget)
keep a pathological case from eating the Lambda's time, and then the caller gets a
409 or 503 with Retry-After.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from chat_core.repository.port import ClaimRejected

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 8
    base_delay_seconds: float = 0.01
    # The most time all attempts and their pauses may take: well inside a request's 29 s.
    budget_seconds: float = 2.5
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic

    def run(
        self,
        attempt: Callable[[], T],
        on_exhausted: Callable[[], Exception],
        retry_on: tuple[type[Exception], ...] = (ClaimRejected,),
    ) -> T:
        """``attempt()``'s result; raises ``on_exhausted()`` when every try lost a race.

        A pause that would end past the budget is not taken: the caller hears at once.
        """
        started = self.monotonic()
        for number in range(self.attempts):
            try:
                return attempt()
            except retry_on:
                pause = random.uniform(0, self.base_delay_seconds * 2**number)  # noqa: S311
                if number + 1 == self.attempts:
                    break
                if self.monotonic() - started + pause > self.budget_seconds:
                    break
                self.sleep(pause)
        raise on_exhausted()


LOST_RACES = RetryPolicy()
