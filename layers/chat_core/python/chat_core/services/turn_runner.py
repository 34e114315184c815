"""Generating the reply of a claimed turn: the back half of a chat turn, run by the worker.

Costs two DynamoDB requests of the turn whatever the conversation's length (the
history Query and the reply transaction) plus one small live-items Query per
LIVE_POLL_SECONDS of generation (rejoin, Stop). Nothing is written per delta: the
reply is stored once, when it is complete, stopped, or cut short by a failure or
the deadline (then the text so far is kept as an ``incomplete`` reply).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from chat_core.agent.catalogue import AgentType, resolve_agent
from chat_core.agent.history import PromptMessage, build_prompt, continuation_prompt
from chat_core.agent.model_port import ChatModel, ModelRefused, ModelUnavailable, ModelUsage
from chat_core.agent.tokens import estimate_tokens
from chat_core.clock import iso_from_ms, now_ms
from chat_core.errors import (
    AgentMisconfigured,
    AgentUnavailable,
    ApiError,
    NotFound,
    StorageUnavailable,
)
from chat_core.ids import new_id
from chat_core.live.connections import ConnectionPoster, NoConnections
from chat_core.live.events import TurnCompleted, TurnFailed, TurnStarted
from chat_core.live.relay import MAX_EVENT_BYTES, LiveRelay
from chat_core.models import ChatResponse, ErrorDetail, Usage
from chat_core.observability import logger, record_turn
from chat_core.replies import MAX_REASONING_BYTES, ReplyEnding, clip_utf8
from chat_core.repository.port import (
    ChatRepository,
    StorageFault,
    TurnClaim,
    TurnLost,
    TurnResult,
    WriteConflict,
)
from chat_core.repository.records import MessageRecord
from chat_core.repository.turn_kinds import Regenerate, Resume
from chat_core.services.api_shapes import message_to_api
from chat_core.services.generation import Generation, GenerationLoop
from chat_core.services.paused_turns import thaw
from chat_core.services.retry_policy import LOST_RACES, RetryPolicy
from chat_core.services.tool_steps import Resumed, TurnWatch, run_steps
from chat_core.settings import Settings
from chat_core.tools.box import open_toolbox
from chat_core.tools.spec import ToolContext


@dataclass(frozen=True)
class StartedTurn:
    """A claimed turn, as the chat function hands it to the worker (JSON in between)."""

    claim: TurnClaim
    agent_name: str
    # The user's time zone, when the client sent it (the time tool answers in it).
    time_zone: str | None = None


@dataclass(frozen=True)
class TurnOutcome:
    created: bool
    response: ChatResponse


class TurnRunner:
    def __init__(
        self,
        repo: ChatRepository,
        model: ChatModel,
        settings: Settings,
        poster: ConnectionPoster | None = None,
        clock: Callable[[], int] = now_ms,
        ids: Callable[[], str] = new_id,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        retry: RetryPolicy = LOST_RACES,
    ) -> None:
        self._repo = repo
        self._model = model
        self._settings = settings
        self._poster = poster or NoConnections()
        self._clock = clock
        self._ids = ids
        self._monotonic = monotonic
        self._retry = retry

    def run(self, started: StartedTurn) -> TurnOutcome:
        try:
            return self._run(started)
        except ApiError:
            raise
        except Exception as exc:
            # Whatever broke (a bug, an unexpected AWS error): the user's message is kept as
            # failed, the conversation freed and the clients told, never a silent dead turn.
            logger.exception("turn crashed")
            claim = started.claim
            relay = LiveRelay(self._repo, self._poster, claim.sub, lambda t: _started(claim, t))
            raise self._fail(claim, relay, StorageUnavailable(retry_after=1)) from exc

    def _run(self, started: StartedTurn) -> TurnOutcome:
        claim = started.claim
        agent = resolve_agent(started.agent_name)
        relay = LiveRelay(self._repo, self._poster, claim.sub, lambda text: _started(claim, text))
        began = self._monotonic()
        continued = claim.continues.content if claim.continues else ""
        try:
            history = self._history(claim)
        except StorageFault as fault:
            raise self._fail(claim, relay, StorageUnavailable(retry_after=1)) from fault
        prompt = build_prompt(agent.system_prompt, history, agent.history_token_budget)
        if claim.continues:
            prompt = continuation_prompt(prompt, continued)
        lease = _Lease(self, claim)
        if not lease.keep():
            raise self._fail(claim, relay, NotFound(_TAKEN), release=False)
        generation = self._generate(started, agent, prompt, relay, began, lease)
        if generation.lost:
            raise self._fail(claim, relay, NotFound(_TAKEN), release=False)
        if generation.ending.failed_mid_reply and (
            not (generation.added or generation.tool_steps) or isinstance(claim.kind, Regenerate)
        ):
            # Nothing usable: a turn keeps its message as failed; a regeneration cut
            # short keeps the reply it was to replace, which is whole; a Continue that
            # added nothing keeps the reply as it was.
            raise self._fail(claim, relay, generation.error or AgentUnavailable())
        return self._store(claim, prompt, generation, relay, began)

    def _generate(
        self,
        started: StartedTurn,
        agent: AgentType,
        prompt: list[PromptMessage],
        relay: LiveRelay,
        began: float,
        lease: _Lease,
    ) -> Generation:
        """The model's steps (tool_steps.py), watched for Stop, the lease and the deadline."""
        claim = started.claim
        continued = claim.continues.content if claim.continues else ""
        ids = (claim.conversation.id, claim.turn_id)
        settings = self._settings
        loop = GenerationLoop(settings, self._monotonic, lambda e: self._model_error(claim, e))
        context = ToolContext(
            claim.sub, claim.conversation.id, self._clock(), self._repo, started.time_zone
        )
        watch = TurnWatch(
            relay,
            ids,
            began,
            settings.turn_deadline_seconds,
            lease.keep,
            settings.live_poll_seconds,
            self._monotonic,
        )
        try:
            toolbox = open_toolbox(agent, settings.mcp_auth_secret_prefix)
            resumed = self._resumed(claim)
            return run_steps(
                self._model, agent, prompt, continued, loop, watch, context, toolbox, resumed
            )
        except ModelUnavailable as exc:  # the first step could not start
            raise self._fail(claim, relay, self._model_error(claim, exc)) from exc

    def _resumed(self, claim: TurnClaim) -> Resumed | None:
        """A Resume's paused reply with its state (too large to travel with the claim)."""
        if not isinstance(kind := claim.kind, Resume):
            return None
        stored = self._repo.get_message(claim.sub, claim.conversation.id, kind.reply.seq)
        if stored is None or stored.resume_state is None:  # the claim read it: a bug
            raise LookupError("the paused reply has no saved state")
        return Resumed(stored, thaw(stored.resume_state), kind.decisions)

    def _history(self, claim: TurnClaim) -> list[MessageRecord]:
        """The messages the reply answers, newest first, up to the turn's user message."""
        if claim.creates:
            return [claim.user_message]
        limit = self._settings.history_max_messages + (1 if claim.replaces else 0)
        latest = self._repo.latest_messages(claim.sub, claim.conversation.id, limit)
        return [m for m in latest if m.seq <= claim.user_message.seq]

    def extend_lease(self, claim: TurnClaim, lease_until: int) -> int | None:
        """The turn's lease, extended once half of it is used; None when it was lost."""
        lease_ms = self._settings.turn_lease_seconds * 1000
        now = self._clock()
        if now < lease_until - lease_ms // 2:
            return lease_until
        try:
            self._repo.extend_lease(claim, now + lease_ms)
        except TurnLost:
            return None
        except StorageFault:
            return lease_until  # try again at the next poll
        return now + lease_ms

    # ------------------------------------------------------------------ ending
    def _store(
        self,
        claim: TurnClaim,
        prompt: list[PromptMessage],
        generation: Generation,
        relay: LiveRelay,
        began: float,
    ) -> TurnOutcome:
        text, ending = generation.text, generation.ending
        usage = generation.usage or ModelUsage(  # the server sent none: estimated
            sum(estimate_tokens(m.content) for m in prompt), estimate_tokens(generation.added)
        )
        now = max(self._clock(), claim.now + 1)
        reply = MessageRecord(
            id=self._ids(),
            conversation_id=claim.conversation.id,
            seq=claim.user_message.seq + 1,
            role="assistant",
            content=text,
            created_ms=now,
            status=generation.ending.status,
            tokens=usage.completion_tokens,
            version=_reply_version(claim),
            answers=claim.user_message.version,
            finish_reason=None if ending is ReplyEnding.STOP else ending.value,
            reasoning=clip_utf8(generation.reasoning, MAX_REASONING_BYTES) or None,
            reasoning_tokens=usage.reasoning_tokens,
            tool_calls=tuple(generation.tool_steps),
            resume_state=generation.resume_state,
            approval_expires_ms=_expiry(generation, now, self._settings.approval_wait_seconds),
        )
        result = TurnResult(reply, usage.prompt_tokens, usage.completion_tokens)
        try:
            self._retry.run(
                lambda: self._repo.finish_turn(claim, result, now),
                _still_contended,
                retry_on=(WriteConflict,),
            )
        except TurnLost as exc:
            raise self._fail(claim, relay, NotFound(_DELETED), release=False) from exc
        except StorageFault as fault:
            raise self._fail(claim, relay, StorageUnavailable(retry_after=1)) from fault
        api_usage = Usage(
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            total_tokens=usage.prompt_tokens + usage.completion_tokens,
            reasoning_tokens=usage.reasoning_tokens,
        )
        error, stored = generation.error, message_to_api(reply)
        completed = TurnCompleted(
            conversation_id=claim.conversation.id,
            turn_id=claim.turn_id,
            reply=stored,
            usage=api_usage,
            error=_detail(error, claim) if error else None,
        )
        if len(completed.model_dump_json()) > MAX_EVENT_BYTES:
            light = stored.model_copy(update={"content": "", "reasoning": None})
            completed = completed.model_copy(update={"reply": light, "omitted": True})
        relay.send(completed)
        ended = self._monotonic()
        first = generation.first_piece_at or ended
        details: dict[str, object] = {
            "conversation_id": claim.conversation.id,
            "seq": reply.seq,
            "status": reply.status,
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "first_text_ms": int((first - began) * 1000),
            "reply_ms": int((ended - began) * 1000),
            "live_posts": relay.posts,
        }
        if self._settings.log_message_content:  # off by default: messages are private
            details |= {"user_text": claim.user_message.content, "reply_text": text}
        logger.info("turn stored", extra=details)
        record_turn(
            created=claim.creates,
            model_latency_ms=int((ended - began) * 1000),
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
        )
        response = ChatResponse(
            conversation_id=claim.conversation.id,
            title=claim.conversation.title,
            agent_type=claim.conversation.agent_type,
            user_message=message_to_api(claim.user_message),
            reply=stored,
            usage=api_usage,
        )
        return TurnOutcome(claim.creates, response)

    def release(self, claim: TurnClaim) -> None:
        release(self._repo, claim, self._clock, self._retry)

    def _give_back_if_deleted(self, claim: TurnClaim) -> None:
        """A deleted conversation's turn gives its reservation back (nobody else will)."""
        with contextlib.suppress(StorageFault):
            if self._repo.get_conversation(claim.sub, claim.conversation.id) is None:
                self._repo.give_back(claim, self._clock())

    def _model_error(self, claim: TurnClaim, exc: ModelUnavailable) -> ApiError:
        if isinstance(exc, ModelRefused):
            # The operator's to fix: their log has the model's own words.
            logger.error("the model refused the request", extra={"reason": exc.reason})
            return AgentMisconfigured(extra={"conversation_id": claim.conversation.id})
        return AgentUnavailable(
            retry_after=self._settings.model_retry_after_seconds,
            extra={"conversation_id": claim.conversation.id, "reason": exc.reason},
        )

    def _fail(
        self, claim: TurnClaim, relay: LiveRelay, error: ApiError, *, release: bool = True
    ) -> ApiError:
        """No reply: keep the user's message (failed), free the conversation, tell the clients."""
        if release:
            self.release(claim)
        else:
            self._give_back_if_deleted(claim)
        if not relay.polled:
            relay.poll("")  # the tabs to tell
        error.extra.setdefault("conversation_id", claim.conversation.id)
        relay.send(
            TurnFailed(
                conversation_id=claim.conversation.id,
                turn_id=claim.turn_id,
                user_message_seq=claim.user_message.seq,
                error=_detail(error, claim),
            )
        )
        return error


def _expiry(generation: Generation, now: int, wait_seconds: int) -> int | None:
    return now + wait_seconds * 1000 if generation.resume_state else None


def _reply_version(claim: TurnClaim) -> int:
    """A regeneration's reply is the next version; a resumed one stays; others are 1."""
    if isinstance(claim.kind, Resume):
        return claim.kind.reply.version
    return claim.replaces.version + 1 if claim.replaces else 1


def release(
    repo: ChatRepository, claim: TurnClaim, clock: Callable[[], int], retry: RetryPolicy
) -> None:
    """Best effort: mark the user message failed and free the conversation (a turn
    that could not start, or whose model failed)."""
    with contextlib.suppress(TurnLost, StorageFault):
        retry.run(
            lambda: repo.fail_turn(claim, clock()), _still_contended, retry_on=(WriteConflict,)
        )


def _still_contended() -> StorageFault:
    """Every attempt collided with another write: still ours, but not writable now."""
    return StorageFault("TransactionConflict", transient=True)


_DELETED = "The conversation was deleted while the reply was being written."
_TAKEN = (
    "The conversation was deleted, or another turn took it over, while the reply was being written."
)


def _started(claim: TurnClaim, text: str) -> TurnStarted:
    return TurnStarted(
        conversation_id=claim.conversation.id,
        turn_id=claim.turn_id,
        title=claim.conversation.title,
        agent_type=claim.conversation.agent_type,
        user_message_seq=claim.user_message.seq,
        text=text,
        started_at=iso_from_ms(claim.now),
    )


def _detail(error: ApiError, claim: TurnClaim) -> ErrorDetail:
    return ErrorDetail(
        code=error.code,
        message=error.message,
        request_id=claim.turn_id,
        conversation_id=claim.conversation.id,
    )


class _Lease:
    """The running turn's lease, extended as it is used (TurnRunner.extend_lease)."""

    def __init__(self, runner: TurnRunner, claim: TurnClaim) -> None:
        self._runner, self._claim = runner, claim
        self._until: int | None = claim.lease_until

    def keep(self) -> bool:
        """False once the turn lost the lease (it stays lost)."""
        if self._until is not None:
            self._until = self._runner.extend_lease(self._claim, self._until)
        return self._until is not None
