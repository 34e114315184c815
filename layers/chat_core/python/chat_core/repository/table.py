"""One table's reads, as every part of the repository makes them: a GetItem or one
bounded Query on a key, and a page of a Query (docs/design.md "Data").

Nothing here knows what an item means; the parts (conversation_store.py,
message_store.py, turn_store.py, live_store.py, stats_store.py) do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from chat_core.repository.codec import expression_values, from_item, to_item
from chat_core.repository.records import Page
from chat_core.repository.transactions import FaultTranslatingClient, make_client

R = TypeVar("R")


class Table:
    """The chat table: its name and a client whose storage failures are StorageFaults."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.name = table_name
        self.client = FaultTranslatingClient(client or make_client())

    def get(self, pk: str, sk: str, *, consistent: bool = True) -> dict[str, Any] | None:
        """One GetItem by key: the item's plain values, or None."""
        response = self.client.get_item(
            TableName=self.name, Key=to_item({"PK": pk, "SK": sk}), ConsistentRead=consistent
        )
        item = response.get("Item")
        return from_item(item) if item else None

    def query(
        self,
        pk: str,
        sort_key: tuple[str, str],
        *,
        limit: int | None,
        ascending: bool = True,
        index: str | None = None,
        start_key: dict[str, object] | None = None,
        **extra: Any,
    ) -> list[dict[str, Any]]:
        """Up to ``limit`` items of a partition by sort-key prefix (``sort_key`` =
        attribute, prefix): one Query, or more when DynamoDB stops one at its 1 MB limit
        (then its LastEvaluatedKey is where the next one starts), so nothing is left out."""
        items: list[dict[str, Any]] = []
        cursor = start_key
        while True:
            batch, cursor = self.query_once(
                pk,
                sort_key,
                limit=None if limit is None else limit - len(items),
                ascending=ascending,
                index=index,
                start_key=cursor,
                **extra,
            )
            items += batch
            if cursor is None or (limit is not None and len(items) >= limit):
                return items

    def query_once(
        self,
        pk: str,
        sort_key: tuple[str, str],
        *,
        limit: int | None,
        ascending: bool,
        index: str | None,
        start_key: dict[str, Any] | None,
        filter_values: dict[str, Any] | None = None,
        **extra: Any,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """The items of one Query request and where the next request would start
        (``filter_values``: the values a FilterExpression in ``extra`` names)."""
        attribute, prefix = sort_key
        params: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": f"PK = :pk AND begins_with({attribute}, :prefix)",
            "ExpressionAttributeValues": expression_values(
                pk=pk, prefix=prefix, **(filter_values or {})
            ),
            "ScanIndexForward": ascending,
            **extra,
        }
        if limit is not None:
            params["Limit"] = limit
        if index:
            params["IndexName"] = index
        if start_key:
            params["ExclusiveStartKey"] = to_item(dict(start_key))
        response = self.client.query(**params)
        last = response.get("LastEvaluatedKey")
        return [from_item(i) for i in response.get("Items", [])], from_item(last) if last else None

    def page(
        self,
        read: Callable[[int], tuple[list[dict[str, Any]], dict[str, Any] | None]],
        limit: int,
        key_names: tuple[str, ...],
        record: Callable[[dict[str, Any]], R],
    ) -> Page[R]:
        """One item more than asked tells whether another page exists, so the last page
        never hands out a cursor to an empty page. A read that DynamoDB stopped at its
        1 MB limit (it says where it stopped) is a short page that still carries a
        cursor: a page of long messages is never cut silently, and one answer stays
        near 1 MB however long the messages are."""
        rows, stopped_at = read(limit + 1)
        last_key = None
        if len(rows) > limit:
            last_key = {name: rows[limit - 1][name] for name in key_names}
        elif stopped_at is not None:
            last_key = {name: stopped_at[name] for name in key_names}
        return Page(items=[record(r) for r in rows[:limit]], last_key=last_key)
