"""The failed-request item: where a turn started with an Idempotency-Key failed, so a
retry with the same key answers the stored message again (a rerun), once."""

from __future__ import annotations

from typing import Any

from chat_core.repository import keys
from chat_core.repository.transactions import Writes

RETRY_TTL_SECONDS = 86400  # as long as an Idempotency-Key is remembered (by default)


class FailedRequestWrites:
    def __init__(self, table: str) -> None:
        self._requests = Writes(table)

    def remember_failed_request(
        self, sub: str, request_key: str, conversation_id: str, seq: int, now: int
    ) -> dict[str, Any]:
        return self._requests.put(
            {
                "PK": keys.user_pk(sub),
                "SK": keys.failed_request_sk(request_key),
                "type": "failed_request",
                "conversation_id": conversation_id,
                "seq": seq,
                "ttl": now // 1000 + RETRY_TTL_SECONDS,
            }
        )

    def consume_failed_request(self, sub: str, request_key: str) -> dict[str, Any]:
        return self._requests.delete_existing(
            {"PK": keys.user_pk(sub), "SK": keys.failed_request_sk(request_key)}
        )
