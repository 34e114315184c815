"""Each write to the user's stats item: the counters (conversations, messages, tokens,
ratings) and the rate budgets (the minute's turns, the day's tokens), moved in the
same transaction as what they count (docs/design.md "Data")."""

from __future__ import annotations

from typing import Any

from chat_core.repository import keys
from chat_core.repository.rate_spend import RateSpend
from chat_core.repository.transactions import Writes


class CounterWrites:
    def __init__(self, table: str) -> None:
        self._requests = Writes(table)

    def stats(
        self,
        sub: str,
        agent_type: str,
        *,
        active: int = 0,
        archived: int = 0,
        total: int = 0,
        messages: int = 0,
        observed_active: int | None = None,
        spend: RateSpend | None = None,
        rated: tuple[int, int] = (0, 0),
    ) -> dict[str, Any]:
        """The user's counters, moved in the same transaction as what they count.

        With ``observed_active`` the update also guards the active-conversation cap:
        the count the cap query saw must still hold when the transaction commits
        (else it is refused and the caller re-reads), so the cap is exact under
        concurrent creations. With ``spend`` it also spends a turn of the minute's
        budget and checks the day's tokens (RateSpend). ``rated``: the change in the
        counts of replies rated up and down.
        """
        values: dict[str, Any] = {"msgs": messages, "da": active, "dr": archived, "dt": total}
        conditions, sets = [], []
        adds = ["messages :msgs", "conv_active :da", "conv_archived :dr", "#act :da", "#tot :dt"]
        if observed_active is not None:
            values["seen"] = observed_active
            seen = "#act = :seen"
            conditions.append(
                seen if observed_active else f"(attribute_not_exists(#act) OR {seen})"
            )
        if any(rated):
            adds += ["feedback_up :up", "feedback_down :down"]
            values |= {"up": rated[0], "down": rated[1]}
        if spend is not None:
            conditions += spend.conditions()
            sets += spend.sets()
            adds += spend.adds()
            values.update(spend.values())
        return self._requests.update(
            {"PK": keys.user_pk(sub), "SK": keys.STATS_SK},
            "ADD " + ", ".join(adds) + (" SET " + ", ".join(sets) if sets else ""),
            condition=" AND ".join(conditions) or None,
            names={
                "#act": keys.active_count_attr(agent_type),
                "#tot": keys.total_count_attr(agent_type),
            },
            values=values,
        )

    def rating_stats(self, sub: str, up: int, down: int) -> dict[str, Any]:
        """A rating's change in the user's counts of replies rated up and down."""
        return self._requests.update(
            {"PK": keys.user_pk(sub), "SK": keys.STATS_SK},
            "ADD feedback_up :up, feedback_down :down",
            values={"up": up, "down": down},
        )

    def reply_stats(
        self, sub: str, tokens: dict[str, int], settled: int, *, messages: int
    ) -> dict[str, Any]:
        """A reply counts one message (none when it replaces one) and its tokens; the
        day's budget gains ``settled``, its tokens less what its claim reserved.

        Unconditional, so a reply is never refused over the day: a turn that spans
        midnight after another turn opened the new day settles against the new day
        (docs/design.md "Data", the reservation's one imprecision)."""
        return self._requests.update(
            {"PK": keys.user_pk(sub), "SK": keys.STATS_SK},
            "ADD messages :one, prompt_tokens :pt, completion_tokens :ct, day_tokens :settled",
            values={"one": messages, "settled": settled, **tokens},
        )

    def day_tokens(self, sub: str, change: int) -> dict[str, Any]:
        """The day's token count moved by ``change`` (a failed turn's reservation back)."""
        return self._requests.update(
            {"PK": keys.user_pk(sub), "SK": keys.STATS_SK},
            "ADD day_tokens :change",
            values={"change": change},
        )
