"""Why a write was refused, named for what it means to the caller, and which item of a
transaction says so: the one place a transaction item's label becomes a reason.

Services branch on ``Refusal``; the repository names each transaction item with
``Item``; ``REFUSAL_OF`` joins them, so renaming an item cannot change the error a
user gets without a type checker or this table noticing.
"""

from __future__ import annotations

from enum import StrEnum


class Item(StrEnum):
    """What one item of a transaction writes or checks."""

    CONVERSATION = "conversation"
    OWNERSHIP = "ownership"
    MESSAGE = "message"
    ORPHAN = "orphan"  # a dead turn's unanswered message, marked failed on takeover
    REPLY = "reply"  # an edited message's reply, taken out
    VERSION = "version"
    CAP = "cap"  # a conversation the active cap archives
    STATS = "stats"  # the user's counters and budgets
    FAILED_REQUEST = "failed_request"  # where a failed Idempotency-Key's message is


class Refusal(StrEnum):
    """Why a write was refused."""

    MINUTE_RATE_SPENT = "minute_rate_spent"
    DAY_BUDGET_SPENT = "day_budget_spent"
    # Not as read: its lease is held, it was deleted, archived or answered meanwhile.
    CONVERSATION_CHANGED = "conversation_changed"
    # A message is not as read: a rerun already answers it, a rating moved.
    MESSAGE_CHANGED = "message_changed"
    # The failed request a rerun consumes is gone: another rerun of it took it.
    REQUEST_TAKEN = "request_taken"
    # The counters or budgets moved since they were read.
    COUNTERS_MOVED = "counters_moved"
    # A conversation the cap chose to archive is no longer as the cap read it.
    CAP_MOVED = "cap_moved"
    # Another transaction touched an item at the same moment: nothing was written.
    CONFLICT = "conflict"


REFUSAL_OF: dict[Item, Refusal] = {
    Item.CONVERSATION: Refusal.CONVERSATION_CHANGED,
    Item.OWNERSHIP: Refusal.CONVERSATION_CHANGED,
    Item.MESSAGE: Refusal.MESSAGE_CHANGED,
    Item.ORPHAN: Refusal.MESSAGE_CHANGED,
    Item.REPLY: Refusal.MESSAGE_CHANGED,
    Item.VERSION: Refusal.MESSAGE_CHANGED,
    Item.CAP: Refusal.CAP_MOVED,
    Item.STATS: Refusal.COUNTERS_MOVED,
    Item.FAILED_REQUEST: Refusal.REQUEST_TAKEN,
}


class ClaimRejected(Exception):
    """A write was refused; ``reason`` says why."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


class WriteConflict(ClaimRejected):
    """Another transaction touched one of the items at the same moment: nothing was
    written, and the same writes may succeed when tried again (the RetryPolicy's call)."""

    def __init__(self) -> None:
        super().__init__(Refusal.CONFLICT)
