"""The sidebar's DynamoDB costs do not grow with the user's data (counted on DynamoDB Local)."""

from __future__ import annotations

import uuid
from typing import Any

from chat_core.clock import now_ms
from chat_core.models import CreateConversationRequest
from chat_core.repository.codec import conversation_item
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.repository.records import ConversationRecord
from chat_core.services.conversations import ConversationService
from chat_core.services.pagination import CursorCodec
from chat_core.services.stats import read_stats
from chat_core.settings import Settings
from tests.support.direct_turn import stack_client
from tests.support.dynamo_meter import DynamoMeter


def seed(client: Any, table: str, sub: str, count: int) -> None:
    """Conversation items as the API writes them, in batches of 25."""
    base = now_ms() - count * 1000
    items = [
        {
            "PutRequest": {
                "Item": conversation_item(
                    sub,
                    ConversationRecord(
                        id=f"00000000-0000-4000-8000-{i:012d}",
                        sub=sub,
                        title=f"c{i}",
                        agent_type="general",
                        status="active",
                        created_ms=base + i,
                        updated_ms=base + i,
                        last_message_ms=base + i,
                        message_count=2,
                    ),
                )
            }
        }
        for i in range(count)
    ]
    for start in range(0, count, 25):
        client.batch_write_item(RequestItems={table: items[start : start + 25]})


def test_list_page_cost_is_the_same_for_10_or_2000_conversations(stack: Any) -> None:
    client = stack_client(stack)
    table = stack.table_names["ChatTable"]
    meter = DynamoMeter().attach(client)
    settings = Settings(table_name=table)
    conversations = ConversationService(
        DynamoChatRepository(table, client), CursorCodec(settings.cursor_signing_key), settings
    )
    costs = {}
    for count in (10, 2000):
        sub = f"cost-{count}"
        seed(client, table, sub, count)
        for query in ({"agent_type": None}, {"agent_type": "general"}):
            meter.reset()
            page = conversations.list(sub, status="active", limit=10, cursor=None, **query)
            costs[(count, query["agent_type"])] = (
                meter.requests,
                meter.read_units,
                len(page.items),
            )
            assert dict(meter.operations) == {"Query": 1}
    assert costs[(10, None)] == costs[(2000, None)]
    assert costs[(10, "general")] == costs[(2000, "general")]

    meter.reset()
    read_stats(DynamoChatRepository(table, client), "cost-2000")
    assert dict(meter.operations) == {"GetItem": 1}


def test_the_cap_costs_at_most_one_extra_query_on_creation(stack: Any) -> None:
    client = stack_client(stack)
    table = stack.table_names["ChatTable"]
    meter = DynamoMeter().attach(client)
    settings = Settings(table_name=table, max_active_conversations=2)
    conversations = ConversationService(
        DynamoChatRepository(table, client), CursorCodec(settings.cursor_signing_key), settings
    )
    repo = DynamoChatRepository(table, client)
    user = f"cap-cost-{uuid.uuid4().hex[:8]}"
    per_creation, created = [], []
    for _ in range(4):  # the 3rd and 4th archive the oldest
        meter.reset()
        created.append(conversations.create(user, CreateConversationRequest()).id)
        per_creation.append(dict(meter.operations))
    assert all(ops == {"Query": 1, "TransactWriteItems": 1} for ops in per_creation), per_creation
    # The same single Query and transaction did archive: the two oldest are archived now.
    statuses = [repo.get_conversation(user, c).status for c in created]  # type: ignore[union-attr]
    assert statuses == ["archived", "archived", "active", "active"]
