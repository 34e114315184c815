"""A turn costs a constant number of DynamoDB requests, whatever the conversation's length."""

from __future__ import annotations

from typing import Any

import boto3

from chat_core.models import ChatRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.settings import Settings
from tests.support.billing import (
    FIRST_TURN_WRITE_UNITS,
    TURN_WRITE_UNITS,
    BillingMeter,
    shapes_from_template,
)
from tests.support.dynamo_meter import DynamoMeter
from tests.support.fakes import FakeModel, ManualClock
from tests.support.seeding import seed_history
from tests.support.turns import InProcessTurn


def test_requests_per_turn_do_not_grow_with_history(
    dynamodb: Any, model: FakeModel, clock: ManualClock
) -> None:
    repo = DynamoChatRepository("chat-unit", client=dynamodb)
    turn = InProcessTurn(
        repo, model, Settings(table_name="chat-unit", rate_limit_turns_per_minute=1000), clock=clock
    )
    meter = DynamoMeter().attach(dynamodb)
    shapes = shapes_from_template({"ChatTable": "chat-unit"})
    bill = BillingMeter(shapes, boto3.client("dynamodb", region_name="us-east-1")).attach(dynamodb)
    text = "a typical user message, asking the assistant something ordinary and specific " * 3
    conversation_id = turn.run("alice", ChatRequest(message=text)).response.conversation_id
    new_conversation_requests = meter.requests
    first_turn_units = bill.write_units
    per_turn: dict[int, tuple[int, dict[str, int]]] = {}
    billed: dict[int, float] = {}
    read_billed: dict[int, float] = {}
    for _ in range(2):
        clock.advance(10)
        meter.reset()
        bill.reset()
        reply = turn.run("alice", ChatRequest(message=text, conversation_id=conversation_id))
        seq = reply.response.user_message.seq
        per_turn[seq] = (meter.requests, dict(meter.operations))
        billed[seq] = bill.write_units
        read_billed[seq] = bill.read_units
        if seq == 3:
            seed_history(dynamodb, conversation_id, after=4, up_to=200, now=clock())
    assert sorted(per_turn) == [3, 201]
    assert first_turn_units == FIRST_TURN_WRITE_UNITS
    assert billed[3] == billed[201] == TURN_WRITE_UNITS
    # Read units: the conversation (1, strongly consistent), the rate budgets (0.5, an
    # eventually consistent read is enough: the claim's condition checks them), the live
    # items (0.5) and the history window (1 at message 3; its 40-message bound at 201).
    assert read_billed == {3: 3.0, 201: 5.0}
    # cap Query + rate budgets' GetItem + live-items Query + two transactions
    assert new_conversation_requests <= 5
    assert per_turn[3] == per_turn[201]
    assert per_turn[3][0] <= 6
    # GetItem: the conversation, and the stats item's rate budgets before the claim;
    # Query: the live items (connections, Stop) once at the start, and the history window
    assert per_turn[3][1] == {"GetItem": 2, "TransactWriteItems": 2, "Query": 2}
    assert "Scan" not in per_turn[201][1]
