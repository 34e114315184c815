"""Requests and capacity per turn on DynamoDB Local stay constant as the conversation grows."""

from __future__ import annotations

from typing import Any

from chat_core.models import ChatRequest
from tests.support.billing import FIRST_TURN_WRITE_UNITS, TURN_WRITE_UNITS
from tests.support.direct_turn import metered_turn


def test_a_turn_costs_the_same_at_message_3_and_201(stack: Any) -> None:
    turn, meter = metered_turn(stack)
    conversation_id = turn.run("meter-user", ChatRequest(message="1")).response.conversation_id
    assert meter.billed.write_units == FIRST_TURN_WRITE_UNITS
    costs: dict[int, tuple[int, dict[str, int], float]] = {}
    billed: dict[int, float] = {}
    seq = 1
    while seq < 201:
        meter.reset()
        seq = turn.run(
            "meter-user", ChatRequest(message="m", conversation_id=conversation_id)
        ).response.user_message.seq
        costs[seq] = (meter.requests, dict(meter.operations), meter.read_units)
        billed[seq] = meter.billed.write_units
    assert costs[3][:2] == costs[201][:2]
    assert costs[3][0] <= 6
    # GetItem: the conversation and the stats item's rate budgets; Query: the live items
    # (connections, Stop) at the start, and the history window
    assert costs[201][1] == {"GetItem": 2, "TransactWriteItems": 2, "Query": 2}
    # by DynamoDB's billing rules, on every turn (Local's own figure is lower)
    assert set(billed.values()) == {TURN_WRITE_UNITS}
    # The history window is bounded, so read units stop growing once it is full.
    assert costs[201][2] == costs[151][2]


def test_a_turn_that_calls_a_tool_makes_the_same_requests(stack: Any) -> None:
    """Tool calls are stored with the reply: no request more, and one small call keeps
    the reply under 1 KB, so the units stay those of any turn."""
    turn, meter = metered_turn(stack)
    opened = turn.run("tool-meter", ChatRequest(message="hi", agent_type="assistant"))
    meter.reset()
    text = '[stub:tool=calculator {"expression": "2 + 2"}]'
    reply = turn.run(
        "tool-meter",
        ChatRequest(message=text, conversation_id=opened.response.conversation_id),
    ).response.reply
    assert [call.name for call in reply.tool_calls] == ["calculator"]
    assert meter.operations == {"GetItem": 2, "TransactWriteItems": 2, "Query": 2}
    assert meter.billed.write_units == TURN_WRITE_UNITS
