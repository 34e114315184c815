"""Stored records as the services see them: plain dataclasses, no DynamoDB types and
nothing of the API (services/api_shapes.py maps them to the contract's shapes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

from chat_core.repository.refusals import Refusal


@dataclass(frozen=True)
class ConversationRecord:
    id: str
    sub: str  # the owner's identity (the JWT's sub); stored as the attribute "owner"
    title: str
    agent_type: str
    status: str
    created_ms: int
    updated_ms: int
    last_message_ms: int | None
    message_count: int
    metadata: dict[str, str] = field(default_factory=dict)
    turn_id: str | None = None
    turn_lease_until: int | None = None
    turn_seq: int | None = None  # the user message of the turn holding (or that held) the lease
    # The reply a regeneration holding the lease replaces: not rated meanwhile (its
    # rating goes with it into its version item when the new reply is stored).
    turn_replaces: int | None = None
    # The day's tokens the turn holding the lease reserved, and the epoch day it
    # reserved them in: a claim that takes over an expired lease gives them back.
    turn_reserved: int | None = None
    turn_reserved_day: int | None = None
    # The user chose the title (at creation or by a rename): a generated one never
    # replaces it.
    title_by_user: bool = False
    # Its last reply waits for the user's approval until then (ms).
    awaiting_until: int | None = None
    # Its replies' ratings, so a delete takes exactly them out of the user's totals.
    feedback_up: int = 0
    feedback_down: int = 0

    @classmethod
    def new(
        cls,
        *,
        id: str,
        sub: str,
        title: str,
        agent_type: str,
        now: int,
        first_message: bool,
        metadata: dict[str, str] | None = None,
        title_by_user: bool = False,
    ) -> ConversationRecord:
        """A conversation as it is created: empty, or holding the first user message."""
        return cls(
            id=id,
            sub=sub,
            title=title,
            agent_type=agent_type,
            status="active",
            created_ms=now,
            updated_ms=now,
            last_message_ms=now if first_message else None,
            message_count=1 if first_message else 0,
            metadata=dict(metadata or {}),
            title_by_user=title_by_user,
        )

    @property
    def activity_ms(self) -> int:
        """What "most recent activity" orders by: the last message, else creation."""
        return self.last_message_ms or self.created_ms

    def turn_in_flight(self, now_ms: int) -> bool:
        return self.turn_id is not None and (self.turn_lease_until or 0) >= now_ms


@dataclass(frozen=True)
class Feedback:
    """The owner's rating of a reply (one per message, changeable), with a comment."""

    rating: str  # "up" or "down"
    comment: str | None
    updated_ms: int


class Approval(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ToolStep:
    """One tool call of a reply and its output, as stored (previews: replies.py's caps)."""

    call_id: str
    name: str
    arguments: str  # JSON text, as the model wrote it
    output: str
    error: bool = False
    duration_ms: int = 0
    step: int = 1  # which model step asked for it (calls of one step ran together)
    # A call of a tool that needs the user's approval: pending while the turn waits,
    # then approved or rejected (None: a tool that needs none).
    approval: Approval | None = None


@dataclass(frozen=True)
class MessageRecord:
    id: str
    conversation_id: str
    seq: int
    role: str
    content: str
    created_ms: int
    status: str = "ok"
    tokens: int = 0
    feedback: Feedback | None = None
    # Which version of this seq it is (docs/design.md "Versions"): 1 until a regenerate
    # (a reply) or an edit (a user message) replaces it; the older ones are kept.
    version: int = 1
    # A reply: the version of the user message it answers. A reply's versions are
    # numbered among those answering the same text, so an edit starts them again at 1.
    answers: int = 1
    # A reply: why it ended (replies.ReplyEnding's value); None reads from ``status``.
    finish_reason: str | None = None
    # A reply: the model's visible reasoning, and the tokens it spent thinking.
    reasoning: str | None = None
    reasoning_tokens: int = 0
    # A reply: the tools it called on the way, in order.
    tool_calls: tuple[ToolStep, ...] = ()
    # A reply waiting for the user's approval: what the model was told on the way
    # (services/paused_turns.py), from which a decision resumes the turn.
    resume_state: str | None = None
    # ...and when a decision stops counting (then it is a rejection).
    approval_expires_ms: int | None = None


@dataclass(frozen=True)
class MessageVersion:
    """A superseded version of a message; a user message's carries the reply it had."""

    message: MessageRecord
    reply: MessageRecord | None = None


@dataclass(frozen=True)
class StatsRecord:
    """The user's counters, kept exact by the transactions that change what they count."""

    active: int = 0
    archived: int = 0
    messages: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    feedback_up: int = 0
    feedback_down: int = 0
    conversations_by_agent_type: dict[str, int] = field(default_factory=dict)
    # The rate budgets kept on the same item (what GET /v1/usage shows of today).
    quota: Quota = field(default_factory=lambda: Quota())


@dataclass(frozen=True)
class Quota:
    """The user's rate budgets as stored on their stats item: turns in the current
    minute and tokens in the current day, each with the minute or day it counts.

    One item holds them and the counters, so a turn's claim and its reply each write
    one per-user item, not three (docs/design.md "Data")."""

    minute: int | None = None  # epoch minute of minute_turns
    minute_turns: int = 0
    day: int | None = None  # epoch day of day_tokens
    day_tokens: int = 0

    def exhausted(
        self, minute: int, day: int, turns_limit: int, token_budget: int, reserve: int = 1
    ) -> Refusal | None:
        """Which budget is spent at this minute and day
        for a turn that adds ``reserve`` to the day's tokens (a claim that only gives a
        dead turn's reservation back, ``reserve`` <= 0, is never refused by the day).

        Within a minute or a day, counts only grow but for reservations given back:
        a stale (eventually consistent) read can see more spent than there is, and then
        the strong read of the retry decides."""
        if self.minute == minute and self.minute_turns >= turns_limit:
            return Refusal.MINUTE_RATE_SPENT
        spent_today = self.day_tokens if self.day == day else 0
        if reserve > 0 and spent_today + reserve > token_budget:
            return Refusal.DAY_BUDGET_SPENT
        return None


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    last_key: dict[str, object] | None
