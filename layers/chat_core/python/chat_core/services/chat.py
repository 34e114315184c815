"""Starting a chat turn (docs/design.md "The path of one chat turn").

The front half of a turn, run by the chat function: GetItem (state) and one
TransactWriteItems (claim + user message + rate budget), so the user's message is
stored before anything else happens. The back half (history, model, reply) is
services/turn_runner.py, run by the worker function, where a reply may take minutes.
A new conversation swaps the GetItem for the cap Query.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from chat_core.agent.catalogue import AgentType, resolve_agent
from chat_core.agent.tokens import estimate_tokens
from chat_core.clock import DAY_MS, MINUTE_MS, now_ms
from chat_core.errors import (
    AgentUnavailable,
    ConversationBusy,
    ConversationFull,
    InvalidRequest,
    MessageTooLong,
    RateLimited,
)
from chat_core.ids import new_id
from chat_core.models import ChatRequest, TurnAccepted, TurnReply
from chat_core.repository.port import ChatRepository, ClaimRejected, Refusal
from chat_core.repository.records import ConversationRecord, MessageRecord
from chat_core.repository.turn_kinds import (
    ActiveCap,
    Continue,
    NewConversation,
    NextMessage,
    Rerun,
    TurnClaim,
    TurnKind,
)
from chat_core.services.active_cap import plan_cap
from chat_core.services.api_shapes import message_to_api
from chat_core.services.dispatch import DispatchFailed, TurnDispatcher
from chat_core.services.ownership import raise_missing, require_conversation
from chat_core.services.retry_policy import LOST_RACES, RetryPolicy
from chat_core.services.titles import title_for
from chat_core.services.token_reservation import reservation
from chat_core.services.turn_runner import StartedTurn, release
from chat_core.settings import Settings

Prepared = tuple[TurnClaim, AgentType]  # a claim read from storage, not yet written
MaybePrepared = TypeVar("MaybePrepared", Prepared, Prepared | None)


class ChatTurn:
    """Starts turns (validation, claim) and hands them to the worker (``dispatcher``);
    holds no request state. It never calls the model."""

    def __init__(
        self,
        repo: ChatRepository,
        settings: Settings,
        dispatcher: TurnDispatcher,
        *,
        clock: Callable[[], int] = now_ms,
        ids: Callable[[], str] = new_id,
        retry: RetryPolicy = LOST_RACES,
    ) -> None:
        self._repo = repo
        self._settings = settings
        self._dispatcher = dispatcher
        self._clock = clock
        self._ids = ids
        self._retry = retry

    def submit(self, sub: str, request: ChatRequest, request_key: str | None = None) -> TurnReply:
        """POST /v1/chat: store the message, then let the worker generate the reply.

        Streamed, the caller gets 202 at once and the reply on its WebSocket. Plain,
        the caller waits for the reply up to JSON_REPLY_WAIT_SECONDS; a reply that
        needs longer finishes in the background and the caller gets the same 202.
        """
        return self._hand_over(self.start(sub, request, request_key), request.stream)

    def retry_failed(self, sub: str, request: ChatRequest, request_key: str) -> TurnReply | None:
        """Runs a failed turn again on its stored message, if that is still possible.

        For a replayed answer: None when the failed message is no longer the one to
        answer (then the remembered answer stands and nothing new is stored).
        """
        claimed = self._claim(lambda: self._prepare_rerun(sub, request, request_key))
        if claimed is None:
            return None
        claim, agent = claimed
        started = StartedTurn(claim=claim, agent_name=agent.name, time_zone=request.time_zone)
        return self._hand_over(started, request.stream)

    def submit_prepared(self, prepare: Callable[[], Prepared], stream: bool) -> TurnReply:
        """A turn whose claim ``prepare`` reads and builds (regenerate, edit and resend:
        services/rewrites.py), claimed and handed over as POST /v1/chat's are."""
        claim, agent = self._claim(prepare)
        return self._hand_over(StartedTurn(claim=claim, agent_name=agent.name), stream)

    def _hand_over(self, started: StartedTurn, stream: bool) -> TurnReply:
        """Dispatches a claimed turn: 202 at once when streamed, else waits for the reply."""
        claim = started.claim
        accepted = TurnAccepted(
            conversation_id=claim.conversation.id,
            title=claim.conversation.title,
            agent_type=claim.conversation.agent_type,
            turn_id=claim.turn_id,
            user_message=message_to_api(claim.user_message),
        )
        try:
            if stream:
                self._dispatcher.start(started)
                return TurnReply(status_code=202, body=accepted)
            outcome = self._dispatcher.wait(started, self._settings.json_reply_wait_seconds)
        except DispatchFailed as exc:
            self._release(claim)
            raise AgentUnavailable(
                retry_after=self._settings.model_retry_after_seconds,
                extra={"conversation_id": claim.conversation.id, "reason": str(exc)},
            ) from exc
        if outcome is None:
            return TurnReply(status_code=202, body=accepted)
        return TurnReply(status_code=201 if outcome.created else 200, body=outcome.response)

    def start(self, sub: str, request: ChatRequest, request_key: str | None = None) -> StartedTurn:
        """Validates and claims the turn: the user's message is stored when this returns.

        ``request_key`` identifies the request (its Idempotency-Key): when a turn with
        the same key failed, this one runs again on the message already stored.
        """
        self.check_length(request.message)

        def prepare() -> Prepared:
            rerun = self._prepare_rerun(sub, request, request_key) if request_key else None
            return rerun or self._prepare_claim(sub, request, request_key)

        claim, agent = self._claim(prepare)
        return StartedTurn(claim=claim, agent_name=agent.name, time_zone=request.time_zone)

    def check_length(self, message: str) -> None:
        if len(message) > self._settings.max_message_chars:
            raise MessageTooLong(
                f"The message has {len(message)} characters; the limit is "
                f"{self._settings.max_message_chars}."
            )

    # ------------------------------------------------------------------ step 1
    def _claim(self, prepare: Callable[[], MaybePrepared]) -> MaybePrepared:
        """Claims what ``prepare`` reads (nothing, if it finds nothing to claim); retries,
        bounded, when another writer changed the state first."""

        def attempt() -> MaybePrepared:
            prepared = prepare()
            if prepared is None:
                return prepared
            claim, _agent = prepared
            try:
                self._repo.begin_turn(claim)
            except ClaimRejected as rejected:
                self._raise_if_final(rejected, claim)
                raise
            return prepared

        return self._retry.run(
            attempt, lambda: ConversationBusy(retry_after=self._settings.busy_retry_after_seconds)
        )

    def _prepare_rerun(self, sub: str, request: ChatRequest, request_key: str) -> Prepared | None:
        """The claim that answers a failed turn's stored message again, if there is one.

        Only while that message is still the conversation's last (the user did not move
        on); otherwise the retry is an ordinary new message.
        """
        failed = self._repo.failed_request(sub, request_key)
        if failed is None or request.conversation_id not in (None, failed.conversation_id):
            return None
        conversation = self._repo.get_conversation(sub, failed.conversation_id)
        # Only while the message is still the last, and in an active conversation (an
        # archived one must come back through the cap, as an ordinary turn does).
        if (
            conversation is None
            or conversation.message_count != failed.seq
            or conversation.status != "active"
        ):
            return None
        message = self._repo.get_message(sub, failed.conversation_id, failed.seq)
        if message is None or message.status != "failed" or message.content != request.message:
            return None
        now = self._clock()
        if conversation.turn_in_flight(now):
            raise self.busy(conversation, now)
        claim = self.claim(
            sub, conversation, replace(message, status="ok"), now, Rerun(), request_key=request_key
        )
        return claim, resolve_agent(conversation.agent_type)

    def _prepare_claim(
        self, sub: str, request: ChatRequest, request_key: str | None = None
    ) -> tuple[TurnClaim, AgentType]:
        now = self._clock()
        if request.conversation_id is None:
            agent = resolve_agent(request.agent_type)
            conversation = ConversationRecord.new(
                id=self._ids(),
                sub=sub,
                title=title_for(request.message),
                agent_type=agent.name,
                now=now,
                first_message=True,
            )
            kind: TurnKind = NewConversation()
        else:
            conversation = require_conversation(self._repo, sub, request.conversation_id)
            agent = resolve_agent(conversation.agent_type)
            self._check_can_add(conversation, request, now)
            kind = NextMessage()
        is_new = isinstance(kind, NewConversation)
        cap = None
        if is_new or conversation.status == "archived":
            cap = self.cap(sub, agent.name, now, None if is_new else conversation.id)
        turn_id = self._ids()
        if is_new:
            conversation = _with_turn(conversation, turn_id, self._lease_until(now))
        user_message = MessageRecord(
            id=self._ids(),
            conversation_id=conversation.id,
            seq=1 if is_new else conversation.message_count + 1,
            role="user",
            content=request.message,
            created_ms=now,
            tokens=estimate_tokens(request.message),
        )
        claim = self.claim(
            sub,
            conversation,
            user_message,
            now,
            kind,
            cap,
            turn_id=turn_id,
            request_key=request_key,
        )
        return claim, agent

    def claim(
        self,
        sub: str,
        conversation: ConversationRecord,
        user_message: MessageRecord,
        now: int,
        kind: TurnKind,
        cap: ActiveCap | None = None,
        *,
        turn_id: str | None = None,
        request_key: str | None = None,
    ) -> TurnClaim:
        """A claim under this deployment's lease and budgets, whatever the kind of turn
        (new, next, a rerun, a rewrite: services/rewrites.py)."""
        continued = kind.reply.content if isinstance(kind, Continue) else ""
        # Never more than the whole day: a budget smaller than an agent's worst case
        # still admits a turn a day, which settles to what it really used.
        reserved = min(
            reservation(
                resolve_agent(conversation.agent_type),
                self._settings,
                user_message.content,
                continued,
            ),
            self._settings.daily_token_budget,
        )
        if isinstance(kind, NewConversation):  # created holding the turn, reservation and all
            conversation = replace(
                conversation, turn_reserved=reserved, turn_reserved_day=now // DAY_MS
            )
        return TurnClaim(
            sub=sub,
            conversation=conversation,
            kind=kind,
            user_message=user_message,
            turn_id=turn_id or self._ids(),
            lease_until=self._lease_until(now),
            now=now,
            rate_limit_per_minute=self._settings.rate_limit_turns_per_minute,
            daily_token_budget=self._settings.daily_token_budget,
            cap=cap,
            request_key=request_key,
            reserved_tokens=reserved,
        )

    def cap(self, sub: str, agent_type: str, now: int, joining: str | None = None) -> ActiveCap:
        """The active cap's read for a conversation that becomes active (new, or
        ``joining`` from the archive): how many are active, and which to archive."""
        cap = self._settings.max_active_conversations
        observed, archive = plan_cap(self._repo, sub, agent_type, cap, now, joining=joining)
        return ActiveCap(observed, archive)

    def _lease_until(self, now: int) -> int:
        return now + self._settings.turn_lease_seconds * 1000

    def _check_can_add(
        self, conversation: ConversationRecord, request: ChatRequest, now: int
    ) -> None:
        if request.agent_type is not None:
            raise InvalidRequest(
                "agent_type can only be chosen for a new conversation; leave it out "
                "with conversation_id (the conversation's own type applies)."
            )
        if conversation.turn_in_flight(now):
            raise self.busy(conversation, now)
        if conversation.message_count + 2 > self._settings.max_messages_per_conversation:
            raise ConversationFull(
                f"This conversation reached its limit of "
                f"{self._settings.max_messages_per_conversation} messages; start a new one."
            )

    def _raise_if_final(self, rejected: ClaimRejected, claim: TurnClaim) -> None:
        """Maps a refused claim to the caller's error, or returns to retry."""
        now = self._clock()
        if rejected.reason is Refusal.MINUTE_RATE_SPENT:
            seconds = math.ceil((MINUTE_MS - now % MINUTE_MS) / 1000)
            raise RateLimited(
                f"You can send {claim.rate_limit_per_minute} messages per minute; "
                f"retry in {seconds} s.",
                retry_after=max(1, seconds),
            )
        if rejected.reason is Refusal.DAY_BUDGET_SPENT:
            seconds = math.ceil((DAY_MS - now % DAY_MS) / 1000)
            raise RateLimited(
                "Your daily token budget is spent (a reply may use up to "
                f"{claim.reserved_tokens:,} tokens); it renews at midnight UTC.",
                retry_after=max(1, seconds),
            )
        taken = (Refusal.MESSAGE_CHANGED, Refusal.REQUEST_TAKEN)
        if rejected.reason in taken and isinstance(claim.kind, Rerun):
            # Another retry of the same request got there first and is running it.
            raise ConversationBusy(retry_after=self._settings.busy_retry_after_seconds)
        if rejected.reason is Refusal.CONVERSATION_CHANGED and not claim.creates:
            current = self._repo.get_conversation(claim.sub, claim.conversation.id)
            if current is None:
                raise_missing(self._repo, claim.sub, claim.conversation.id)
            if current.turn_in_flight(now):
                raise self.busy(current, now)
        # Anything else (a turn finished in between, the cap moved, a write
        # conflict): the state changed under us, so read it again and retry.

    def busy(self, conversation: ConversationRecord, now: int) -> ConversationBusy:
        remaining = math.ceil(((conversation.turn_lease_until or now) - now) / 1000)
        return ConversationBusy(
            retry_after=max(1, min(self._settings.busy_retry_after_seconds, remaining))
        )

    def _release(self, claim: TurnClaim) -> None:
        release(self._repo, claim, self._clock, self._retry)


def _with_turn(
    conversation: ConversationRecord, turn_id: str, lease_until: int
) -> ConversationRecord:
    return replace(conversation, turn_id=turn_id, turn_lease_until=lease_until)
