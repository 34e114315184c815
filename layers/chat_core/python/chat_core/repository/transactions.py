"""How the repository talks to DynamoDB: the client, write builders, one transaction.

Nothing here retries a refused or conflicting write: the repository reports it at once
(ClaimRejected with the refused item's reason, WriteConflict) and the services'
RetryPolicy is the one owner of attempts and of the time they may take. botocore's own
standard retries stay on for throttling and dropped connections, which a re-read would
not help.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chat_core.repository.codec import expression_values, to_item
from chat_core.repository.faults import TRANSIENT_CODES, StorageFault
from chat_core.repository.refusals import REFUSAL_OF, ClaimRejected, Item, WriteConflict

# A transaction's items, each named for what it writes: a refusal says which failed.
NamedItem = tuple[Item, dict[str, Any]]

# Outcomes the repository handles itself (a refused condition is not a fault).
_CONDITION_CODES = frozenset({"TransactionCanceledException", "ConditionalCheckFailedException"})


def make_client() -> Any:
    """A DynamoDB client honouring AWS_ENDPOINT_URL_DYNAMODB (DynamoDB Local) by itself.

    Short timeouts and a few standard retries: a turn has a 29 s budget and most of
    it belongs to the model.
    """
    return boto3.client(
        "dynamodb",
        config=Config(
            connect_timeout=2,
            read_timeout=5,
            retries={"max_attempts": 3, "mode": "standard"},
        ),
    )


class FaultTranslatingClient:
    """Wraps a boto3 client so storage failures reach the services as StorageFault."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return attribute(*args, **kwargs)
            except ClientError as exc:
                code = error_code(exc)
                if code in _CONDITION_CODES:
                    raise
                raise StorageFault(code, transient=code in TRANSIENT_CODES) from exc
            except BotoCoreError as exc:
                raise StorageFault(type(exc).__name__, transient=True) from exc

        return call


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class Writes:
    """Builders of the write requests of one table, in TransactWriteItems' shape."""

    def __init__(self, table: str) -> None:
        self.table = table

    def put_new(self, item: dict[str, Any]) -> dict[str, Any]:
        """A Put of a new item (never overwrites: seq and ids are claimed, not assumed)."""
        return self.put_if(item, "attribute_not_exists(PK)")

    def put_if(self, item: dict[str, Any], condition: str, **values: Any) -> dict[str, Any]:
        """A Put (of a typed item) only where ``condition`` holds (``values``: its ``:names``)."""
        return {"Put": self._conditional({"Item": item}, condition, values)}

    def put(self, values: dict[str, Any]) -> dict[str, Any]:
        return {"Put": {"TableName": self.table, "Item": to_item(values)}}

    def update(
        self,
        key: dict[str, Any],
        expression: str,
        *,
        condition: str | None = None,
        names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        update: dict[str, Any] = {
            "TableName": self.table,
            "Key": to_item(key),
            "UpdateExpression": expression,
        }
        if condition:
            update["ConditionExpression"] = condition
        if names:
            update["ExpressionAttributeNames"] = names
        if values:
            update["ExpressionAttributeValues"] = expression_values(**values)
        return {"Update": update}

    def spend_once(self, key: dict[str, Any], limit: int, ttl: int) -> dict[str, Any]:
        """A counter item's next unit, while fewer than ``limit`` are spent."""
        return self.update(
            key,
            "ADD spent :one SET #ttl = :ttl",
            condition="attribute_not_exists(spent) OR spent < :limit",
            names={"#ttl": "ttl"},
            values={"one": 1, "limit": limit, "ttl": ttl},
        )

    def delete_existing(self, key: dict[str, Any]) -> dict[str, Any]:
        return self.delete_if(key, "attribute_exists(PK)")

    def delete_if(self, key: dict[str, Any], condition: str, **values: Any) -> dict[str, Any]:
        """A Delete only where ``condition`` holds (``values``: its ``:names``)."""
        return {"Delete": self._conditional({"Key": to_item(key)}, condition, values)}

    def _conditional(
        self, request: dict[str, Any], condition: str, values: dict[str, Any]
    ) -> dict[str, Any]:
        request = {"TableName": self.table, **request, "ConditionExpression": condition}
        if values:
            request["ExpressionAttributeValues"] = expression_values(**values)
        return request


def transact(client: Any, named_items: list[NamedItem]) -> None:
    """One TransactWriteItems, tried once; a refusal says why.

    ClaimRejected gives the reason (refusals.REFUSAL_OF) of the first item whose
    condition failed. WriteConflict means
    another transaction touched one of the items at the same moment (the user's stats
    item is shared by all their turns): nothing was written and the same writes may
    succeed if tried again, which the caller's RetryPolicy decides. Any other
    cancellation (throttling) is a transient StorageFault.
    """
    try:
        client.transact_write_items(TransactItems=[item for _, item in named_items])
    except ClientError as exc:
        if error_code(exc) != "TransactionCanceledException":
            raise
        cancellations = exc.response.get("CancellationReasons", [])
        for (name, _), cancel in zip(named_items, cancellations, strict=False):
            if cancel.get("Code") == "ConditionalCheckFailed":
                raise ClaimRejected(REFUSAL_OF[name]) from exc
        if any(c.get("Code") == "TransactionConflict" for c in cancellations):
            raise WriteConflict() from exc
        codes = ",".join(sorted({c.get("Code", "") for c in cancellations} - {"None"}))
        raise StorageFault(codes or "TransactionCanceled", transient=True) from exc


def update_if(client: Any, update: dict[str, Any], **extra: Any) -> dict[str, Any] | None:
    """One conditional UpdateItem: its response, or None when the condition failed."""
    try:
        response: dict[str, Any] = client.update_item(**update["Update"], **extra)
    except ClientError as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            return None
        raise
    return response
