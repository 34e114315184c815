"""A turn costs a constant number of DynamoDB requests, whatever the conversation's length."""

from __future__ import annotations

from chat_core.models import ChatRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.services.chat import ChatTurn
from chat_core.settings import Settings
from tests.support.dynamo_meter import DynamoMeter
from tests.support.fakes import FakeModel, ManualClock


def test_requests_per_turn_do_not_grow_with_history(
    dynamodb: object, model: FakeModel, clock: ManualClock
) -> None:
    repo = DynamoChatRepository("chat-unit", client=dynamodb)
    turn = ChatTurn(
        repo, model, Settings(table_name="chat-unit", rate_limit_turns_per_minute=1000), clock=clock
    )
    meter = DynamoMeter().attach(dynamodb)
    conversation_id = turn.run("alice", ChatRequest(message="1")).response.conversation_id
    new_conversation_requests = meter.requests
    per_turn: dict[int, tuple[int, dict[str, int]]] = {}
    while True:
        clock.advance(10)
        meter.reset()
        reply = turn.run(
            "alice", ChatRequest(message="m", conversation_id=conversation_id)
        ).response
        per_turn[reply.user_message.seq] = (meter.requests, dict(meter.operations))
        if reply.user_message.seq >= 201:
            break
    assert new_conversation_requests <= 4  # cap Query + live-items Query + two transactions
    assert per_turn[3] == per_turn[201]
    assert per_turn[3][0] <= 5
    # Query: the live items (connections, Stop) once at the start, and the history window
    assert per_turn[3][1] == {"GetItem": 1, "TransactWriteItems": 2, "Query": 2}
    assert "Scan" not in per_turn[201][1]
