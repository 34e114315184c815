"""The title worker: titles a conversation after its first reply (docs/api.md "Titles").

Invoked asynchronously by the turn worker, never by HTTP, so the turn does not wait
for it. Event: {"sub", "conversation_id"}.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from chat_core.observability import logger
from chat_core.settings import (
    LiveSettings,
    ModelChoice,
    ModelClient,
    TableSettings,
    declare_settings,
)
from chat_core.wiring import title_generator

declare_settings(LiveSettings, ModelChoice, ModelClient, TableSettings)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    title = title_generator().run(str(event["sub"]), str(event["conversation_id"]))
    return {"title": title}
