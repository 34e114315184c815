"""A InProcessTurn in this process against a running local stack's DynamoDB Local and stub model.

For tests and benchmarks that meter DynamoDB calls, which must happen in this process.
"""

from __future__ import annotations

from typing import Any

import boto3

from chat_core.agent.model import OpenAIChatModel
from chat_core.live.connections import ConnectionPoster
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.settings import Settings
from tests.support.billing import BillingMeter, shapes_from_template
from tests.support.dynamo_meter import DynamoMeter
from tests.support.turns import InProcessTurn


def stack_client(stack: Any) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=stack.dynamodb_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def billing_meter(stack: Any, client: Any) -> BillingMeter:
    """Bills ``client``'s requests to the stack's tables by DynamoDB's rules."""
    shapes = shapes_from_template(
        {logical: stack.table_names[logical] for logical in ("ChatTable", "IdempotencyTable")}
    )
    return BillingMeter(shapes, stack_client(stack)).attach(client)


def metered_turn(
    stack: Any, poster: ConnectionPoster | None = None, **settings: Any
) -> tuple[InProcessTurn, DynamoMeter]:
    """A turn service on the stack's table and stub model, with every DynamoDB call metered
    (``meter.billed``: the same calls billed by DynamoDB's rules)."""
    client = stack_client(stack)
    meter = DynamoMeter().attach(client)
    meter.billed = billing_meter(stack, client)
    config = Settings(
        **{
            "table_name": stack.table_names["ChatTable"],
            "openai_base_url": f"{stack.base_url}/local/openai/v1",
            "openai_api_key": "local-stub-key",
            "rate_limit_turns_per_minute": 100_000,
            "daily_token_budget": 10**12,
            # One live-items poll at the start of the turn and no other, whatever the
            # model's pace, so counts are exact (each LIVE_POLL_SECONDS adds one Query).
            "live_poll_seconds": 10,
            **settings,
        }
    )
    repo = DynamoChatRepository(config.table_name, client)
    return InProcessTurn(repo, OpenAIChatModel(config), config, poster=poster), meter
