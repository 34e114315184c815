"""Tests of the per-minute rate budget against the real clock (the local stack's)."""

from __future__ import annotations

import time


def within_one_minute(seconds_needed: float = 30.0) -> None:
    """The rate budget counts turns per clock minute: three turns that straddle a minute
    boundary are two budgets, and the third is not refused. Start where the minute
    still has room for them (waits up to ``seconds_needed``; a failed run under load
    showed the turns taking ~10 s)."""
    left = 60 - time.time() % 60
    if left < seconds_needed:
        time.sleep(left + 0.1)
