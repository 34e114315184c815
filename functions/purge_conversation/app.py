"""Purges a deleted conversation's messages once DynamoDB's TTL removed its item.

Triggered by the table's stream, filtered in template.yaml to TTL deletions of
conversation items, so the API never pays for the purge and deletion stays O(1).
"""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from chat_core.observability import logger
from chat_core.settings import TableSettings, declare_settings
from chat_core.wiring import repository

declare_settings(TableSettings)


@logger.inject_lambda_context
@event_source(data_class=DynamoDBStreamEvent)
def lambda_handler(event: DynamoDBStreamEvent, context: LambdaContext) -> dict[str, Any]:
    purged = 0
    for record in event.records:
        if record.dynamodb is None or not record.dynamodb.keys:
            continue
        sub, conversation_id = repository().deleted_conversation_of(dict(record.dynamodb.keys))
        purged += repository().purge_messages(sub, conversation_id)
    logger.info("purged deleted conversations", extra={"messages": purged})
    return {"purged_messages": purged}
