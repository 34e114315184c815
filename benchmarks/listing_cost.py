"""Cost of one page of the conversation list with 10, 1,000 and 5,000 conversations.

Conversations are written straight to DynamoDB Local in batches (the same items the
API writes), then the API's list operation is metered: requests and read units per
page must not grow with the number of conversations.
Usage: python -m benchmarks.listing_cost
"""

from __future__ import annotations

import time

import boto3

from benchmarks.report import print_table, write_json
from chat_core.clock import now_ms
from chat_core.repository.codec import conversation_item
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.repository.records import ConversationRecord
from chat_core.services.conversations import ConversationService
from chat_core.services.pagination import CursorCodec
from chat_core.settings import Settings
from local.testing import running_stack
from tests.support.dynamo_meter import DynamoMeter

SIZES = [10, 1000, 5000]


def seed(client: object, table: str, sub: str, count: int) -> None:
    base = now_ms() - count * 1000
    items = []
    for i in range(count):
        record = ConversationRecord(
            id=f"00000000-0000-4000-8000-{i:012d}",
            sub=sub,
            title=f"Conversation {i}",
            agent_type="general",
            status="active",
            created_ms=base + i * 1000,
            updated_ms=base + i * 1000,
            last_message_ms=base + i * 1000,
            message_count=2,
        )
        items.append({"PutRequest": {"Item": conversation_item(sub, record)}})
    for start in range(0, len(items), 25):
        client.batch_write_item(RequestItems={table: items[start : start + 25]})  # type: ignore[attr-defined]


def main() -> None:
    rows = []
    with running_stack() as stack:
        client = boto3.client(
            "dynamodb",
            endpoint_url=stack.dynamodb_endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        table = stack.table_names["ChatTable"]
        meter = DynamoMeter().attach(client)
        settings = Settings(table_name=table)
        conversations = ConversationService(
            DynamoChatRepository(table, client), CursorCodec(settings.cursor_signing_key), settings
        )
        for size in SIZES:
            sub = f"lister-{size}"
            seed(client, table, sub, size)
            meter.reset()
            started = time.perf_counter()
            first = conversations.list(sub, status="active", agent_type=None, limit=20, cursor=None)
            first_ms = (time.perf_counter() - started) * 1000
            first_cost = (meter.requests, meter.read_units)
            meter.reset()
            second = conversations.list(
                sub, status="active", agent_type="general", limit=20, cursor=None
            )
            rows.append(
                {
                    "conversations": size,
                    "page_size": len(first.items),
                    "requests": first_cost[0],
                    "read_units": round(first_cost[1], 2),
                    "by_agent_requests": meter.requests,
                    "by_agent_read_units": round(meter.read_units, 2),
                    "latency_ms": round(first_ms, 1),
                    "has_next_page": first.next_cursor is not None
                    and second.next_cursor is not None,
                }
            )
    print_table("One page (20) of GET /v1/conversations vs the user's conversation count", rows)
    write_json("listing_cost", {"rows": rows})


if __name__ == "__main__":
    main()
