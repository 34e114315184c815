"""Time, in one place so every stored timestamp has the contract's format."""

from __future__ import annotations

import time
from datetime import UTC, datetime

MINUTE_MS = 60_000
DAY_MS = 86_400_000


def now_ms() -> int:
    """Milliseconds since the epoch: the unit of leases and ordering keys."""
    return time.time_ns() // 1_000_000


def iso_from_ms(ms: int) -> str:
    """RFC 3339 UTC with milliseconds, e.g. 2026-11-22T14:35:26.123Z."""
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
