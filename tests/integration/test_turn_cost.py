"""Requests and capacity per turn on DynamoDB Local stay constant as the conversation grows."""

from __future__ import annotations

from typing import Any

import boto3

from chat_core.agent.model import OpenAIChatModel
from chat_core.models import ChatRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.services.chat import ChatTurn
from chat_core.settings import Settings
from tests.support.dynamo_meter import DynamoMeter


def test_a_turn_costs_the_same_at_message_3_and_201(stack: Any) -> None:
    client = boto3.client(
        "dynamodb",
        endpoint_url=stack.dynamodb_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    meter = DynamoMeter().attach(client)
    settings = Settings(
        table_name=stack.table_names["ChatTable"],
        openai_base_url=f"{stack.base_url}/local/openai/v1",
        openai_api_key="local-stub-key",
        rate_limit_turns_per_minute=10_000,
    )
    turn = ChatTurn(
        DynamoChatRepository(settings.table_name, client), OpenAIChatModel(settings), settings
    )
    conversation_id = turn.run("meter-user", ChatRequest(message="1")).response.conversation_id
    costs: dict[int, tuple[int, dict[str, int], float]] = {}
    seq = 1
    while seq < 201:
        meter.reset()
        seq = turn.run(
            "meter-user", ChatRequest(message="m", conversation_id=conversation_id)
        ).response.user_message.seq
        costs[seq] = (meter.requests, dict(meter.operations), meter.read_units)
    assert costs[3][:2] == costs[201][:2]
    assert costs[3][0] <= 4
    assert costs[201][1] == {"GetItem": 1, "TransactWriteItems": 2, "Query": 1}
    # The history window is bounded, so read units stop growing once it is full.
    assert costs[201][2] == costs[151][2]
