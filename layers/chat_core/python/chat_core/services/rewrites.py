"""Regenerate the last reply, edit and resend the last user message, and read the
versions they leave (docs/api.md "Regenerate and edit", docs/design.md "Versions").

Both are turns: claimed through ChatTurn (busy lease, rate and token budgets, the cap
when an archived conversation comes back) and answered by the same worker. What they
replace is kept as a version, never deleted; only the last exchange can be rewritten,
because an earlier one would branch the conversation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import NoReturn

from chat_core.agent.catalogue import resolve_agent
from chat_core.agent.tokens import estimate_tokens
from chat_core.approval_models import ApprovalRequest
from chat_core.clock import now_ms
from chat_core.errors import (
    InvalidRequest,
    MessageNotEditable,
    NotFound,
    NothingToApprove,
    NothingToContinue,
    NothingToRegenerate,
)
from chat_core.ids import new_id
from chat_core.models import (
    EditMessageRequest,
    MessageVersionView,
    RegenerateRequest,
    TurnReply,
)
from chat_core.replies import MAX_REPLY_BYTES
from chat_core.repository.port import ChatRepository
from chat_core.repository.records import Approval, ConversationRecord, MessageRecord
from chat_core.repository.turn_kinds import (
    Continue,
    Decision,
    Edit,
    Regenerate,
    Rerun,
    Resume,
    TurnKind,
)
from chat_core.services.api_shapes import message_to_api
from chat_core.services.chat import ChatTurn, Prepared
from chat_core.services.ownership import require_conversation
from chat_core.services.paused_turns import EXPIRED_REASON
from chat_core.services.titles import title_for

_NO_MESSAGE = "No message with this seq in this conversation."
_CONTINUABLE = ("incomplete", "stopped")
_ROOM_TO_CONTINUE = 4096  # bytes: less room than this left would add next to nothing


class Rewrites:
    def __init__(
        self,
        turn: ChatTurn,
        repo: ChatRepository,
        clock: Callable[[], int] = now_ms,
        ids: Callable[[], str] = new_id,
    ) -> None:
        self._turn = turn
        self._repo = repo
        self._clock = clock
        self._ids = ids

    def regenerate(self, sub: str, conversation_id: str, request: RegenerateRequest) -> TurnReply:
        """POST .../regenerate: the last reply again, from the same history.

        Reads: the conversation (GetItem) and its last two messages (one Query)."""

        def prepare() -> Prepared:
            conversation, last = self._last_exchange(sub, conversation_id)
            user, reply = last or (None, None)
            if user is None or reply is None:
                raise NothingToRegenerate()
            return self._claim(sub, conversation, user, Regenerate(reply))

        return self._turn.submit_prepared(prepare, request.stream)

    def continue_reply(
        self, sub: str, conversation_id: str, request: RegenerateRequest
    ) -> TurnReply:
        """POST .../continue: the model goes on from the last reply, cut short (by its
        length limit, a failure, the deadline or Stop); the new version holds the old
        text and what follows it. Reads as regenerate does."""

        def prepare() -> Prepared:
            conversation, last = self._last_exchange(sub, conversation_id)
            reply = last[1] if last else None
            if last is None or reply is None or reply.status not in _CONTINUABLE:
                raise NothingToContinue()
            if len(reply.content.encode("utf-8")) > MAX_REPLY_BYTES - _ROOM_TO_CONTINUE:
                raise NothingToContinue(
                    "This reply is as long as a stored reply can be; ask for the rest in a "
                    "new message."
                )
            return self._claim(sub, conversation, last[0], Continue(reply))

        return self._turn.submit_prepared(prepare, request.stream)

    def decide(self, sub: str, conversation_id: str, request: ApprovalRequest) -> TurnReply:
        """POST .../approval: the last reply waits for the user's approval of some tool
        calls; each is approved or rejected, and the turn goes on in a new worker
        (services/paused_turns.py). Past the reply's expiry every call counts as
        rejected, and the model is told it expired. Reads as regenerate does."""

        def prepare() -> Prepared:
            conversation, last = self._last_exchange(sub, conversation_id)
            reply = last[1] if last else None
            if last is None or reply is None or reply.status != "awaiting_approval":
                raise NothingToApprove()
            expires = reply.approval_expires_ms
            expired = expires is not None and self._clock() > expires
            decisions = _decisions(reply, request, expired=expired)
            kind = Resume(replace(reply, resume_state=None), decisions)
            return self._claim(sub, conversation, last[0], kind)

        return self._turn.submit_prepared(prepare, request.stream)

    def edit(
        self, sub: str, conversation_id: str, seq: int, request: EditMessageRequest
    ) -> TurnReply:
        """PUT .../messages/{seq}: the last user message's new text, answered as a turn."""
        self._turn.check_length(request.message)

        def prepare() -> Prepared:
            conversation, last = self._last_exchange(sub, conversation_id)
            if last is None:
                raise NotFound(_NO_MESSAGE)
            user, reply = last
            if seq != user.seq:
                self._refuse_edit(sub, conversation_id, seq, reply)
            resent = user.status == "failed" and reply is None and user.content == request.message
            if resent and conversation.status == "active":
                # The failed message resent as it is: a retry, not a new version.
                return self._claim(sub, conversation, replace(user, status="ok"), Rerun())
            edited = replace(
                user,
                id=self._ids(),
                content=request.message,
                created_ms=self._clock(),
                status="ok",
                tokens=estimate_tokens(request.message),
                version=user.version + 1,
                feedback=None,
            )
            title = None
            if user.seq == 1 and not conversation.title_by_user:
                title = title_for(request.message)  # the old one was cut from it
                conversation = replace(conversation, title=title)
            return self._claim(sub, conversation, edited, Edit(was=user, reply=reply, title=title))

        return self._turn.submit_prepared(prepare, request.stream)

    def version(self, sub: str, conversation_id: str, seq: int, version: int) -> MessageVersionView:
        """GET .../messages/{seq}/versions/{version}: three GetItems (conversation,
        message, version); the ownership record only when the conversation is missing."""
        require_conversation(self._repo, sub, conversation_id)
        message = self._repo.get_message(sub, conversation_id, seq)
        if message is None:
            raise NotFound(_NO_MESSAGE)
        found = None
        if version < message.version:
            found = self._repo.get_message_version(sub, conversation_id, message, version)
        if found is None:
            raise NotFound(
                f"This message has versions 1 to {message.version}; the earlier ones are "
                f"read here, the current one ({message.version}) is the message itself."
            )
        return MessageVersionView(
            message=message_to_api(found.message),
            reply=message_to_api(found.reply) if found.reply else None,
            current_version=message.version,
        )

    def _refuse_edit(
        self, sub: str, conversation_id: str, seq: int, reply: MessageRecord | None
    ) -> NoReturn:
        """Why ``seq`` (not the last user message) cannot be edited: a reply is not the
        caller's to edit, an earlier message would branch, a missing one is missing."""
        message = reply if reply and reply.seq == seq else None
        message = message or self._repo.get_message(sub, conversation_id, seq)
        if message is None:
            raise NotFound(_NO_MESSAGE)
        if message.role == "assistant":
            raise InvalidRequest("Only your own messages can be edited.")
        raise MessageNotEditable()

    def _last_exchange(
        self, sub: str, conversation_id: str
    ) -> tuple[ConversationRecord, tuple[MessageRecord, MessageRecord | None] | None]:
        """The conversation, free of any running turn, and its last user message with
        the reply after it, if there is one (None: no message yet)."""
        conversation = require_conversation(self._repo, sub, conversation_id)
        now = self._clock()
        if conversation.turn_in_flight(now):
            raise self._turn.busy(conversation, now)
        latest = self._repo.latest_messages(sub, conversation_id, 2)
        if not latest:
            return conversation, None
        if latest[0].role == "assistant" and len(latest) > 1:
            return conversation, (latest[1], latest[0])
        return conversation, (latest[0], None)

    def _claim(
        self,
        sub: str,
        conversation: ConversationRecord,
        user: MessageRecord,
        kind: TurnKind,
    ) -> Prepared:
        """An archived conversation comes back through the cap."""
        now = self._clock()
        agent = resolve_agent(conversation.agent_type)
        cap = None
        if conversation.status == "archived":
            cap = self._turn.cap(sub, agent.name, now, conversation.id)
        return self._turn.claim(sub, conversation, user, now, kind, cap), agent


def _decisions(
    reply: MessageRecord, request: ApprovalRequest, *, expired: bool
) -> tuple[Decision, ...]:
    """One decision per pending call, in the calls' order; the request must name each
    pending call once and no other."""
    pending = [s.call_id for s in reply.tool_calls if s.approval is Approval.PENDING]
    given = {d.call_id: d for d in request.decisions}
    if len(given) != len(request.decisions) or set(given) != set(pending):
        raise InvalidRequest(f"Decide each pending call once: the pending calls are {pending}.")
    if expired:
        return tuple(Decision(c, approved=False, reason=EXPIRED_REASON) for c in pending)
    return tuple(Decision(c, approved=given[c].approve, reason=given[c].reason) for c in pending)
