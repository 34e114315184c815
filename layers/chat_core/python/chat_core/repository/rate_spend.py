"""How a claim spends the rate budgets kept on the stats item (one minute's turns, one
day's tokens): which update it makes and on what condition, from the item as read."""

from __future__ import annotations

from dataclasses import dataclass

from chat_core.clock import DAY_MS, MINUTE_MS
from chat_core.repository.records import Quota


@dataclass(frozen=True)
class RateSpend:
    """A claim's spending of the rate budgets kept on the stats item (records.Quota).

    An update expression cannot branch, so which update opens a new minute (or day)
    and which counts into the current one is chosen from the stats item as read
    before the claim; the condition makes a stale choice fail, and the retry reads
    the item strongly (repository/dynamodb.py)."""

    seen: Quota
    now: int
    turns_limit: int
    token_budget: int

    @property
    def minute(self) -> int:
        return self.now // MINUTE_MS

    @property
    def day(self) -> int:
        return self.now // DAY_MS

    def spent(self) -> str | None:
        """The budget the read already shows spent ("rate_minute", "rate_day") or None."""
        return self.seen.exhausted(self.minute, self.day, self.turns_limit, self.token_budget)

    def _same_minute(self) -> bool:
        return self.seen.minute == self.minute

    def _same_day(self) -> bool:
        return self.seen.day == self.day

    def conditions(self) -> list[str]:
        minute = (
            "rate_minute = :minute AND minute_turns < :turns_limit"
            if self._same_minute()
            else "(attribute_not_exists(rate_minute) OR rate_minute < :minute)"
        )
        day = (
            "rate_day = :day AND day_tokens < :token_budget"
            if self._same_day()
            else "(attribute_not_exists(rate_day) OR rate_day < :day)"
        )
        return [minute, day]

    def sets(self) -> list[str]:
        opened = [] if self._same_minute() else ["rate_minute = :minute", "minute_turns = :one"]
        return opened + ([] if self._same_day() else ["rate_day = :day", "day_tokens = :zero"])

    def adds(self) -> list[str]:
        return ["minute_turns :one"] if self._same_minute() else []

    def values(self) -> dict[str, int]:
        values = {"minute": self.minute, "day": self.day, "one": 1}
        if self._same_minute():
            values["turns_limit"] = self.turns_limit
        if self._same_day():
            values["token_budget"] = self.token_budget
        else:
            values["zero"] = 0
        return values
