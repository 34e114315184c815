"""The computed bill (tests/support/billing.py) agrees with DynamoDB Local where Local bills
correctly: single-item, non-transactional writes and reads of a table without indexes.

(For transactions Local reports less than DynamoDB bills: it does not count each item.
That is why the turn's cost is computed, and why this cross-check keeps the computation
honest where a reference exists.)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.billing import BillingMeter, TableShape
from tests.support.direct_turn import stack_client
from tests.support.dynamo_meter import DynamoMeter


@pytest.fixture
def plain_table(stack: Any) -> Iterator[str]:
    client = stack_client(stack)
    name = f"billing-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield name
    client.delete_table(TableName=name)


def test_computed_units_match_local_on_single_item_writes_and_reads(
    stack: Any, plain_table: str
) -> None:
    client = stack_client(stack)
    local = DynamoMeter().attach(client)
    computed = BillingMeter({plain_table: TableShape(("PK",))}, stack_client(stack)).attach(client)
    compared: list[tuple[str, float, float]] = []

    def check(label: str, call: Any) -> None:
        local.reset()
        computed.reset()
        call()
        billed = computed.write_units + computed.read_units
        compared.append((label, billed, local.write_units + local.read_units))

    key = {"PK": {"S": "item-1"}}
    for size in (10, 900, 1500, 3000, 5000):
        body = {"PK": {"S": "item-1"}, "text": {"S": "x" * size}, "n": {"N": "12345.678"}}
        check(f"put {size} B", lambda b=body: client.put_item(TableName=plain_table, Item=b))
        check(
            f"get {size} B strongly",
            lambda: client.get_item(TableName=plain_table, Key=key, ConsistentRead=True),
        )
        check(f"get {size} B eventually", lambda: client.get_item(TableName=plain_table, Key=key))
    check(
        "update to 200 B (billed at the larger, before)",
        lambda: client.update_item(
            TableName=plain_table,
            Key=key,
            UpdateExpression="SET #t = :t",
            ExpressionAttributeNames={"#t": "text"},
            ExpressionAttributeValues={":t": {"S": "y" * 200}},
        ),
    )
    check("delete", lambda: client.delete_item(TableName=plain_table, Key=key))
    mismatches = [(label, ours, theirs) for label, ours, theirs in compared if ours != theirs]
    assert not mismatches, mismatches
    # 10 B: one write unit; read strongly: 1 unit, eventually: half
    assert [billed for _, billed, _ in compared[:3]] == [1.0, 1.0, 0.5]
