"""The kinds of turn, and the claim that starts one (docs/design.md "Kinds of turn").

Each kind is a value holding what only it needs; what its first transaction writes is
listed per kind in claim_items.py, what its reply replaces in turn_items.py. A new kind
(Resume: a tool step resumed after an approval) is one more class here and one more case
there, never a flag that every writer has to consult.

Kinds travel from the chat function to the worker as JSON: ``kind`` tells them apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Annotated, Literal

from pydantic import Field

from chat_core.repository.records import Approval, ConversationRecord, MessageRecord, ToolStep


@dataclass(frozen=True)
class NewConversation:
    """The first message: the conversation is created holding the turn."""

    kind: Literal["new_conversation"] = "new_conversation"


@dataclass(frozen=True)
class NextMessage:
    """A message added to a conversation (archived ones come back through the cap)."""

    kind: Literal["next_message"] = "next_message"


@dataclass(frozen=True)
class Rerun:
    """A failed turn's stored message answered again: retried with its Idempotency-Key,
    or resent unchanged through an edit. It stays where it is and becomes ``ok``."""

    kind: Literal["rerun"] = "rerun"


@dataclass(frozen=True)
class Regenerate:
    """The last reply (``reply``, as read) answered again from the same history; it
    stays the conversation's last until the new one replaces it."""

    reply: MessageRecord
    kind: Literal["regenerate"] = "regenerate"


@dataclass(frozen=True)
class Continue:
    """A reply cut short (``reply``) goes on: its next version starts with its text."""

    reply: MessageRecord
    kind: Literal["continue"] = "continue"


REJECTED_OUTPUT = "Not run: the user rejected this call."
# An approved call of a resumed turn that failed: it may have run; it never runs again.
LOST_OUTPUT = "Its outcome is unknown: the turn failed after the user's decision."


@dataclass(frozen=True)
class Decision:
    """The user's word on one call waiting for approval; a rejection's reason is what
    the model reads."""

    call_id: str
    approved: bool
    reason: str | None = None

    def refusal(self) -> str:
        """What the model reads of a rejected call."""
        return f"{REJECTED_OUTPUT} Reason: {self.reason}" if self.reason else REJECTED_OUTPUT


@dataclass(frozen=True)
class Resume:
    """A reply waiting for the user's approval (``reply``, as read, without its resume
    state, which the worker reads) goes on once each pending call is decided: stored in
    its place, as the same version."""

    reply: MessageRecord
    decisions: tuple[Decision, ...]
    kind: Literal["resume"] = "resume"

    def abandoned(self) -> MessageRecord:
        """The reply when the resumed turn fails: decided, cut short, never resumable
        again (so a second decision cannot run an approved call twice)."""
        decided = {d.call_id: d for d in self.decisions}

        def outcome(step: ToolStep) -> tuple[Approval, str] | None:
            decision = decided.get(step.call_id)
            if decision is None:
                return None
            if decision.approved:
                return Approval.APPROVED, LOST_OUTPUT
            return Approval.REJECTED, decision.refusal()

        return settled_unrun(self.reply, "incomplete", "error", outcome)


def settled_unrun(
    reply: MessageRecord,
    status: str,
    finish_reason: str,
    outcome: Callable[[ToolStep], tuple[Approval, str] | None],
) -> MessageRecord:
    """A paused reply settled without running its pending calls (Stop, a failed
    resume): each pending call gets ``outcome``'s approval and output as an error (None
    leaves it as it was), and the resume state goes, so it can never be resumed."""
    steps = []
    for step in reply.tool_calls:
        settled = outcome(step) if step.approval is Approval.PENDING else None
        if settled is None:
            steps.append(step)
        else:
            approval, output = settled
            steps.append(replace(step, approval=approval, output=output, error=True))
    return replace(
        reply,
        status=status,
        finish_reason=finish_reason,
        resume_state=None,
        tool_calls=tuple(steps),
    )


@dataclass(frozen=True)
class Edit:
    """The last user message's new text (the claim's ``user_message``); the text as it
    was (``was``) and its reply, if it had one, go into a version item."""

    was: MessageRecord
    reply: MessageRecord | None
    # An edit of the first message in a conversation the user did not name: the title
    # follows the new text (and a generated one is asked again after the reply).
    title: str | None = None
    kind: Literal["edit"] = "edit"


TurnKind = Annotated[
    NewConversation | NextMessage | Rerun | Regenerate | Continue | Resume | Edit,
    Field(discriminator="kind"),
]


@dataclass(frozen=True)
class ActiveCap:
    """The active cap's read, for a conversation that becomes active (a new one, or an
    archived one a turn brings back): how many were active, and which to archive."""

    observed_active: int
    archive: list[ConversationRecord] = field(default_factory=list)


@dataclass(frozen=True)
class TurnClaim:
    """Everything the first transaction of a turn writes or checks."""

    sub: str
    conversation: ConversationRecord
    kind: TurnKind
    user_message: MessageRecord
    turn_id: str
    lease_until: int
    now: int
    rate_limit_per_minute: int
    daily_token_budget: int
    # Present when the conversation becomes active with this turn.
    cap: ActiveCap | None = None
    # The caller's Idempotency-Key (hashed with the sub): a failed turn remembers it, so
    # a retry with the same key runs again on the stored message instead of a copy.
    request_key: str | None = None
    # Of the day's token budget, what this turn holds until its reply settles it
    # (services/token_reservation.py).
    reserved_tokens: int = 0

    @property
    def creates(self) -> bool:
        return isinstance(self.kind, NewConversation)

    @property
    def reactivates(self) -> bool:
        """An archived conversation comes back with this turn."""
        return self.cap is not None and not self.creates

    @property
    def replaces(self) -> MessageRecord | None:
        """The reply this turn's reply replaces (as read at the claim): a regeneration's,
        a Continue's or a Resume's; the others add their reply after the user message."""
        return self.kind.reply if isinstance(self.kind, Regenerate | Continue | Resume) else None

    @property
    def continues(self) -> MessageRecord | None:
        """The cut reply this turn goes on from."""
        return self.kind.reply if isinstance(self.kind, Continue) else None
