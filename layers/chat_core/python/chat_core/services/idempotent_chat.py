"""Idempotent chat turns: a retry with the same Idempotency-Key never runs a second turn.

Powertools' idempotency utility does the work (DynamoDB persistence, in-progress
locking, payload validation). The key is scoped to the caller (``sub`` + header
value), so two users' keys never collide, and the parsed body is validated, so the
same key with another body is refused instead of replaying the wrong answer. A
failed turn (an exception) is not stored, so retrying after a 503 runs the turn again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import (
    PydanticSerializer,
)
from pydantic import BaseModel

from chat_core.errors import IdempotencyInProgress, IdempotencyKeyReused
from chat_core.models import ChatRequest, TurnReply
from chat_core.services.chat import ChatTurn
from chat_core.settings import Settings


class IdempotentTurnInput(BaseModel):
    sub: str
    key: str
    body: dict[str, Any]


IdempotentRunner = Callable[[IdempotentTurnInput], TurnReply]


class IdempotentChat:
    def __init__(self, turn: ChatTurn, settings: Settings, persistence: Any | None = None) -> None:
        self.config = IdempotencyConfig(
            event_key_jmespath="[sub, key]",
            payload_validation_jmespath="body",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=settings.idempotency_ttl_seconds,
        )
        store = persistence or DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name)

        @idempotent_function(
            data_keyword_argument="turn_input",
            config=self.config,
            persistence_store=store,
            output_serializer=PydanticSerializer(TurnReply),
        )
        def run(turn_input: IdempotentTurnInput) -> TurnReply:
            request = ChatRequest.model_validate(turn_input.body)
            return turn.submit(turn_input.sub, request)

        self._run: IdempotentRunner = run
        self._retry_after = settings.busy_retry_after_seconds

    def run(self, sub: str, key: str, request: ChatRequest, context: Any) -> TurnReply:
        self.config.register_lambda_context(context)
        turn_input = IdempotentTurnInput(
            sub=sub, key=key, body=request.model_dump(mode="json", exclude_none=True)
        )
        try:
            return self._run(turn_input=turn_input)  # type: ignore[call-arg]
        except IdempotencyValidationError as exc:
            raise IdempotencyKeyReused() from exc
        except IdempotencyAlreadyInProgressError as exc:
            raise IdempotencyInProgress(retry_after=self._retry_after) from exc
