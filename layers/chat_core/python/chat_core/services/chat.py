"""One chat turn (DESIGN.md "The path of one chat turn").

An existing conversation costs a constant four DynamoDB requests whatever its
length: GetItem (state), TransactWriteItems (claim + user message + rate budget),
Query (bounded history window), TransactWriteItems (reply + counters + release).
A new conversation swaps the GetItem for the cap Query and needs no history read.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from chat_core.agent.catalogue import AgentType, resolve_agent
from chat_core.agent.history import PromptMessage, build_prompt
from chat_core.agent.model import ChatModel, Completion, ModelUnavailable
from chat_core.agent.tokens import estimate_tokens
from chat_core.clock import DAY_MS, MINUTE_MS, new_id, now_ms
from chat_core.errors import (
    AgentUnavailable,
    ConversationBusy,
    ConversationFull,
    InvalidRequest,
    MessageTooLong,
    NotFound,
    RateLimited,
    StorageUnavailable,
)
from chat_core.models import ChatRequest, ChatResponse, Usage
from chat_core.observability import logger, record_turn
from chat_core.repository.port import (
    ChatRepository,
    ClaimRejected,
    StorageFault,
    TurnClaim,
    TurnLost,
    TurnResult,
)
from chat_core.repository.records import ConversationRecord, MessageRecord
from chat_core.services.access import raise_missing, require_conversation
from chat_core.services.cap import plan_cap
from chat_core.services.contention import retry_lost_races
from chat_core.services.titles import title_from_message
from chat_core.settings import Settings


@dataclass(frozen=True)
class TurnOutcome:
    created: bool
    response: ChatResponse
    model_latency_ms: int


class ChatTurn:
    """Runs turns; one instance per process (it holds no per-request state)."""

    def __init__(
        self,
        repo: ChatRepository,
        model: ChatModel,
        settings: Settings,
        clock: Callable[[], int] = now_ms,
        ids: Callable[[], str] = new_id,
    ) -> None:
        self._repo = repo
        self._model = model
        self._settings = settings
        self._clock = clock
        self._ids = ids

    def run(self, sub: str, request: ChatRequest) -> TurnOutcome:
        if len(request.message) > self._settings.max_message_chars:
            raise MessageTooLong(
                f"The message has {len(request.message)} characters; the limit is "
                f"{self._settings.max_message_chars}."
            )
        claim, agent = self._claim(sub, request)
        try:
            history = (
                [claim.user_message]
                if claim.is_new
                else self._repo.latest_messages(
                    sub, claim.conversation.id, self._settings.history_max_messages
                )
            )
            prompt = build_prompt(agent.system_prompt, history, agent.history_token_budget)
            completion = self._ask_model(claim, agent, prompt)
            return self._finish(claim, completion)
        except StorageFault as fault:
            # The claim is committed: give the conversation back and keep the message
            # (marked failed) so nothing is half-written; if storage is still down, the
            # lease expires and the next turn marks the message failed itself.
            self._release(claim)
            raise StorageUnavailable(
                retry_after=1, extra={"conversation_id": claim.conversation.id}
            ) from fault

    # ------------------------------------------------------------------ step 1
    def _claim(self, sub: str, request: ChatRequest) -> tuple[TurnClaim, AgentType]:
        """Claims the turn; retries (bounded) when another writer changed the state first."""

        def attempt() -> tuple[TurnClaim, AgentType]:
            claim, agent = self._prepare_claim(sub, request)
            try:
                self._repo.begin_turn(claim)
            except ClaimRejected as rejected:
                self._raise_if_final(rejected, claim)
                raise
            return claim, agent

        return retry_lost_races(
            attempt, lambda: ConversationBusy(retry_after=self._settings.busy_retry_after_seconds)
        )

    def _prepare_claim(self, sub: str, request: ChatRequest) -> tuple[TurnClaim, AgentType]:
        now = self._clock()
        if request.conversation_id is None:
            agent = resolve_agent(request.agent_type)
            conversation = ConversationRecord(
                id=self._ids(),
                owner=sub,
                title=title_from_message(request.message),
                agent_type=agent.name,
                status="active",
                created_ms=now,
                updated_ms=now,
                last_message_ms=now,
                message_count=1,
            )
            is_new, reactivate = True, False
        else:
            conversation = require_conversation(self._repo, sub, request.conversation_id)
            agent = resolve_agent(conversation.agent_type)
            self._check_can_add(conversation, request, now)
            is_new, reactivate = False, conversation.status == "archived"

        observed_active, archive = 0, list[ConversationRecord]()
        if is_new or reactivate:
            observed_active, archive = plan_cap(
                self._repo, sub, agent.name, self._settings.max_active_conversations
            )
        turn_id = self._ids()
        lease_until = now + self._settings.turn_lease_seconds * 1000
        if is_new:
            conversation = _with_turn(conversation, turn_id, lease_until)
        user_message = MessageRecord(
            id=self._ids(),
            conversation_id=conversation.id,
            seq=1 if is_new else conversation.message_count + 1,
            role="user",
            content=request.message,
            created_ms=now,
            tokens=estimate_tokens(request.message),
        )
        claim = TurnClaim(
            sub=sub,
            conversation=conversation,
            is_new=is_new,
            reactivate=reactivate,
            user_message=user_message,
            turn_id=turn_id,
            lease_until=lease_until,
            now=now,
            rate_limit_per_minute=self._settings.rate_limit_turns_per_minute,
            daily_token_budget=self._settings.daily_token_budget,
            observed_active=observed_active,
            archive=archive,
        )
        return claim, agent

    def _check_can_add(
        self, conversation: ConversationRecord, request: ChatRequest, now: int
    ) -> None:
        if request.agent_type is not None and request.agent_type != conversation.agent_type:
            raise InvalidRequest(
                "agent_type can only be chosen for a new conversation; omit it or start a new one."
            )
        if conversation.turn_in_flight(now):
            raise self._busy(conversation, now)
        if conversation.message_count + 2 > self._settings.max_messages_per_conversation:
            raise ConversationFull(
                f"This conversation reached its limit of "
                f"{self._settings.max_messages_per_conversation} messages; start a new one."
            )

    def _raise_if_final(self, rejected: ClaimRejected, claim: TurnClaim) -> None:
        """Maps a refused claim to the caller's error, or returns to retry."""
        now = self._clock()
        if rejected.reason == "rate_minute":
            seconds = math.ceil((MINUTE_MS - now % MINUTE_MS) / 1000)
            raise RateLimited(
                f"You can send {claim.rate_limit_per_minute} messages per minute; "
                f"retry in {seconds} s.",
                retry_after=max(1, seconds),
            )
        if rejected.reason == "rate_day":
            seconds = math.ceil((DAY_MS - now % DAY_MS) / 1000)
            raise RateLimited(
                "Your daily token budget is spent; it renews at midnight UTC.",
                retry_after=max(1, seconds),
            )
        if rejected.reason == "conversation" and not claim.is_new:
            current = self._repo.get_conversation(claim.sub, claim.conversation.id)
            if current is None:
                raise_missing(self._repo, claim.sub, claim.conversation.id)
            if current.turn_in_flight(now):
                raise self._busy(current, now)
        # Anything else (a turn finished in between, the cap moved, a write
        # conflict): the state changed under us, so read it again and retry.

    def _busy(self, conversation: ConversationRecord, now: int) -> ConversationBusy:
        remaining = math.ceil(((conversation.turn_lease_until or now) - now) / 1000)
        return ConversationBusy(
            retry_after=max(1, min(self._settings.busy_retry_after_seconds, remaining))
        )

    # ------------------------------------------------------------------ step 3
    def _ask_model(
        self, claim: TurnClaim, agent: AgentType, prompt: list[PromptMessage]
    ) -> Completion:
        try:
            return self._model.complete(agent, prompt)
        except ModelUnavailable as exc:
            self._release(claim)
            raise AgentUnavailable(
                retry_after=self._settings.model_retry_after_seconds,
                extra={"conversation_id": claim.conversation.id, "reason": exc.reason},
            ) from exc

    def _release(self, claim: TurnClaim) -> None:
        """Best effort: mark the user message failed and free the conversation."""
        with contextlib.suppress(TurnLost, StorageFault):
            self._repo.fail_turn(claim)

    # ------------------------------------------------------------------ step 4
    def _finish(self, claim: TurnClaim, completion: Completion) -> TurnOutcome:
        now = max(self._clock(), claim.now + 1)
        reply = MessageRecord(
            id=self._ids(),
            conversation_id=claim.conversation.id,
            seq=claim.user_message.seq + 1,
            role="assistant",
            content=completion.content,
            created_ms=now,
            tokens=completion.completion_tokens,
        )
        result = TurnResult(reply, completion.prompt_tokens, completion.completion_tokens)
        try:
            self._repo.finish_turn(claim, result, now)
        except TurnLost as exc:
            raise NotFound(
                "The conversation was deleted while the reply was being written."
            ) from exc
        response = ChatResponse(
            conversation_id=claim.conversation.id,
            title=claim.conversation.title,
            agent_type=claim.conversation.agent_type,
            user_message=claim.user_message.to_api(),
            reply=reply.to_api(),
            usage=Usage(
                prompt_tokens=completion.prompt_tokens,
                completion_tokens=completion.completion_tokens,
                total_tokens=completion.prompt_tokens + completion.completion_tokens,
            ),
        )
        details: dict[str, object] = {
            "conversation_id": claim.conversation.id,
            "seq": reply.seq,
            "prompt_tokens": completion.prompt_tokens,
            "completion_tokens": completion.completion_tokens,
            "model_latency_ms": completion.latency_ms,
        }
        if self._settings.log_message_content:  # off by default: messages are private
            details |= {"user_text": claim.user_message.content, "reply_text": reply.content}
        logger.info("turn stored", extra=details)
        record_turn(
            created=claim.is_new,
            model_latency_ms=completion.latency_ms,
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
        )
        return TurnOutcome(claim.is_new, response, completion.latency_ms)


def _with_turn(
    conversation: ConversationRecord, turn_id: str, lease_until: int
) -> ConversationRecord:
    return replace(conversation, turn_id=turn_id, turn_lease_until=lease_until)
