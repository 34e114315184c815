"""How a claim spends the rate budgets kept on the stats item (one minute's turns, one
day's tokens): which update it makes and on what condition, from the item as read."""

from __future__ import annotations

from dataclasses import dataclass

from chat_core.clock import DAY_MS, MINUTE_MS
from chat_core.repository.records import ConversationRecord, Quota
from chat_core.repository.refusals import Refusal


@dataclass(frozen=True)
class RateSpend:
    """A claim's spending of the rate budgets kept on the stats item (records.Quota).

    An update expression cannot branch, so which update opens a new minute (or day)
    and which counts into the current one is chosen from the stats item as read
    before the claim; the condition makes a stale choice fail, and the retry reads
    the item strongly (repository/turn_store.py)."""

    seen: Quota
    now: int
    turns_limit: int
    token_budget: int
    # The day's tokens this turn reserves, and those of a dead turn (one whose lease
    # it takes over, reserved today) that it gives back.
    reserve: int = 0
    released: int = 0

    @property
    def minute(self) -> int:
        return self.now // MINUTE_MS

    @property
    def day(self) -> int:
        return self.now // DAY_MS

    @property
    def _net(self) -> int:
        """What the day's count gains: the reservation, less what it gives back."""
        return self.reserve - self.released if self._same_day() else self.reserve

    def spent(self) -> Refusal | None:
        """The budget the read already shows spent, or None."""
        return self.seen.exhausted(
            self.minute, self.day, self.turns_limit, self.token_budget, self._net
        )

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
        if not self._same_day():
            day = "(attribute_not_exists(rate_day) OR rate_day < :day)"
        elif self._net > 0:
            day = "rate_day = :day AND day_tokens <= :room"
        else:  # it only gives back (a dead turn's reservation): the day cannot refuse it
            day = "rate_day = :day"
        return [minute, day]

    def sets(self) -> list[str]:
        opened = [] if self._same_minute() else ["rate_minute = :minute", "minute_turns = :one"]
        return opened + ([] if self._same_day() else ["rate_day = :day", "day_tokens = :reserve"])

    def adds(self) -> list[str]:
        minute = ["minute_turns :one"] if self._same_minute() else []
        return minute + (["day_tokens :net"] if self._same_day() and self._net else [])

    def values(self) -> dict[str, int]:
        values = {"minute": self.minute, "day": self.day, "one": 1}
        if self._same_minute():
            values["turns_limit"] = self.turns_limit
        if self._same_day():
            if self._net > 0:
                values["room"] = self.token_budget - self._net
            if self._net:
                values["net"] = self._net
        else:
            values["reserve"] = self.reserve
        return values


# A claim records on the conversation the day's tokens its turn reserved: the claim that
# takes over the lease of a turn that died gives them back (RateSpend.released).
RESERVED = "turn_reserved = :reserved, turn_reserved_day = :reserved_day"


def held(reserved: int, claimed_at: int, now: int) -> int:
    """What a reservation made at ``claimed_at`` still holds of ``now``'s day: all of it
    on its own day, nothing once the day has turned (the new day never counted it)."""
    return reserved if claimed_at // DAY_MS == now // DAY_MS else 0


def released(conv: ConversationRecord, now: int) -> int:
    """What a claim on ``conv`` as read gives back: the reservation of a turn whose
    (expired) lease it takes over, if that turn reserved it today; else nothing."""
    if conv.turn_id is None or conv.turn_reserved_day != now // DAY_MS:
        return 0
    return conv.turn_reserved or 0


def reserved_as_read(conv: ConversationRecord, now: int) -> str:
    """A claim that gives a dead turn's reservation back takes over that very turn."""
    return " AND turn_id = :dead_turn" if released(conv, now) else ""


def reservation_values(conv: ConversationRecord, reserved: int, now: int) -> dict[str, object]:
    values: dict[str, object] = {"reserved": reserved, "reserved_day": now // DAY_MS}
    if released(conv, now):
        values["dead_turn"] = conv.turn_id
    return values
