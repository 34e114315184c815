"""What GET /v1/usage answers (docs/api.md "Usage")."""

from __future__ import annotations

from pydantic import BaseModel, Field

from chat_core.models import TokenCounts


class DayUsage(BaseModel):
    day: str = Field(description="The UTC day the budget counts (YYYY-MM-DD).")
    tokens: int = Field(
        description="Tokens used today, and held by replies being written (each holds its "
        "worst case until it is stored, then counts what it used)."
    )
    budget: int
    remaining: int
    resets_at: str = Field(description="When today's count starts again (00:00 UTC).")


class UsageReport(BaseModel):
    today: DayUsage
    total: TokenCounts = Field(description="Every reply's tokens since the account began.")
