"""Tests of the per-minute rate budget against the real clock (the local stack's)."""

from __future__ import annotations

import time


def within_one_minute(seconds_needed: float) -> None:
    """The rate budget counts turns per clock minute: turns that straddle a minute
    boundary spend two budgets, and the one meant to be refused is not. Start where
    the minute still has ``seconds_needed`` left for them (waiting at most that long;
    three turns against a model that is down took ~10 s in a loaded end-to-end run)."""
    left = 60 - time.time() % 60
    if left < seconds_needed:
        time.sleep(left + 0.1)
