"""Long conversations without running every turn (200 turns take ~20 s in process)."""

from __future__ import annotations

from typing import Any

from chat_core.repository.codec import message_item
from chat_core.repository.records import MessageRecord


def seed_history(
    dynamodb: Any,
    conversation_id: str,
    after: int,
    up_to: int,
    now: int,
    *,
    sub: str = "alice",
    table: str = "chat-unit",
) -> None:
    """Messages after..up_to stored as turns store them (odd seqs the user's, even the
    assistant's), and the conversation's count moved to match."""
    items = [
        {
            "PutRequest": {
                "Item": message_item(
                    sub,
                    MessageRecord(
                        id=f"seeded-{seq}",
                        conversation_id=conversation_id,
                        seq=seq,
                        role="user" if seq % 2 else "assistant",
                        content=f"message {seq} of a long conversation",
                        created_ms=now,
                    ),
                )
            }
        }
        for seq in range(after + 1, up_to + 1)
    ]
    for start in range(0, len(items), 25):
        dynamodb.batch_write_item(RequestItems={table: items[start : start + 25]})
    dynamodb.update_item(
        TableName=table,
        Key={"PK": {"S": f"USER#{sub}"}, "SK": {"S": f"CONV#{conversation_id}"}},
        UpdateExpression="SET message_count = :count",
        ExpressionAttributeValues={":count": {"N": str(up_to)}},
    )
