"""Retrying writes that lost a race, with jittered backoff.

Our transactions are conditional on what was read (the active count, the message
count), so under contention some are refused and must re-read. Jitter keeps the
losers from colliding again; the bound keeps a pathological case from eating the
Lambda's time, and then the caller gets a 409 with Retry-After.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from chat_core.repository.port import ClaimRejected

T = TypeVar("T")

ATTEMPTS = 8
BASE_DELAY_SECONDS = 0.01


def retry_lost_races(attempt: Callable[[], T], on_exhausted: Callable[[], Exception]) -> T:
    """Runs ``attempt`` until it does not raise ClaimRejected (at most ATTEMPTS times)."""
    for number in range(ATTEMPTS):
        try:
            return attempt()
        except ClaimRejected:
            time.sleep(random.uniform(0, BASE_DELAY_SECONDS * 2**number))  # noqa: S311 - jitter
    raise on_exhausted()
