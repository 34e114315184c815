"""Idempotent chat turns: a retry with the same Idempotency-Key never runs a second turn.

Powertools' idempotency utility does the work (DynamoDB persistence, in-progress
locking, payload validation). The key is scoped to the caller (``sub`` + header
value), so two users' keys never collide, and the parsed body is validated, so the
same key with another body is refused instead of replaying the wrong answer.

Retrying a failed turn with the same key never stores a second copy of the message:
a failed turn remembers its key (repository ``failed_request``), and the retry runs
again on the message already stored. A failed turn (an exception) leaves no
Powertools record, so its retry comes through ``submit``; a streamed turn's 202 is
remembered, so its retry is a replay, and the replay checks whether the turn failed.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from functools import cached_property
from typing import Any

from pydantic import BaseModel

from chat_core.errors import IdempotencyInProgress, IdempotencyKeyReused
from chat_core.models import ChatRequest, TurnAccepted, TurnReply
from chat_core.repository.port import ChatRepository
from chat_core.services.chat import ChatTurn
from chat_core.services.ownership import raise_missing
from chat_core.settings import Settings


class IdempotentTurnInput(BaseModel):
    sub: str
    key: str
    body: dict[str, Any]


IdempotentRunner = Callable[[IdempotentTurnInput], TurnReply]


def request_key_of(sub: str, key: str) -> str:
    """The stored form of a caller's Idempotency-Key (hashed: keys are the caller's text)."""
    return hashlib.sha256(f"{sub}\x00{key}".encode()).hexdigest()[:32]


class IdempotentChat:
    """POST /v1/chat's one entry: a turn, or with an Idempotency-Key at most one per key."""

    def __init__(
        self,
        turn: ChatTurn,
        repo: ChatRepository,
        settings: Settings,
        persistence: Any | None = None,
    ) -> None:
        self._ttl_seconds = settings.idempotency_ttl_seconds
        self._turn = turn
        self._repo = repo
        self._persistence = persistence
        self._table = settings.idempotency_table_name
        self._fresh = threading.local()
        self._retry_after = settings.busy_retry_after_seconds

    @cached_property
    def config(self) -> Any:
        from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

        return IdempotencyConfig(
            event_key_jmespath="[sub, key]",
            payload_validation_jmespath="body",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=self._ttl_seconds,
        )

    @cached_property
    def _run(self) -> IdempotentRunner:
        """Built on the first request with a key: a request without one never imports
        Powertools' idempotency utility nor pays for the idempotency table's client."""
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            idempotent_function,
        )
        from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import (
            PydanticSerializer,
        )

        store = self._persistence or DynamoDBPersistenceLayer(table_name=self._table)
        turn = self._turn

        @idempotent_function(
            data_keyword_argument="turn_input",
            config=self.config,
            persistence_store=store,
            output_serializer=PydanticSerializer(TurnReply),
        )
        def run(turn_input: IdempotentTurnInput) -> TurnReply:
            self._fresh.ran = True
            request = ChatRequest.model_validate(turn_input.body)
            return turn.submit(
                turn_input.sub, request, request_key_of(turn_input.sub, turn_input.key)
            )

        runner: IdempotentRunner = run
        return runner

    def submit(self, sub: str, request: ChatRequest, key: str | None, context: Any) -> TurnReply:
        if key is None:
            return self._turn.submit(sub, request)
        return self.run(sub, key, request, context)

    def run(self, sub: str, key: str, request: ChatRequest, context: Any) -> TurnReply:
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        self.config.register_lambda_context(context)
        turn_input = IdempotentTurnInput(
            sub=sub, key=key, body=request.model_dump(mode="json", exclude_none=True)
        )
        self._fresh.ran = False
        try:
            reply = self._run(turn_input=turn_input)  # type: ignore[call-arg]
        except IdempotencyValidationError as exc:
            raise IdempotencyKeyReused() from exc
        except IdempotencyAlreadyInProgressError as exc:
            raise IdempotencyInProgress(retry_after=self._retry_after) from exc
        if self._fresh.ran:
            return reply
        return self._replay(sub, key, request, reply)

    def _replay(self, sub: str, key: str, request: ChatRequest, reply: TurnReply) -> TurnReply:
        """A remembered answer, unless what it describes is gone or failed since.

        Deleted means gone: a replay for a conversation that no longer exists is 404,
        never its content. A 202 whose turn then failed (the model, after the answer)
        runs again on the message already stored, as a user pressing Retry means.
        """
        conversation_id = reply.body.conversation_id
        if self._repo.get_conversation(sub, conversation_id) is None:
            raise_missing(self._repo, sub, conversation_id)
        if isinstance(reply.body, TurnAccepted):
            rerun = self._turn.retry_failed(sub, request, request_key_of(sub, key))
            if rerun is not None:
                return rerun
        return reply
