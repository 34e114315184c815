"""The turn worker: generates a claimed turn's reply, streaming it to the user's connections.

Invoked by the chat function (asynchronously for a streamed turn, synchronously for a
plain one), never by HTTP, so it may run for minutes (TURN_DEADLINE_SECONDS).
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from chat_core.observability import logger, metrics
from chat_core.services.dispatch import worker_result
from chat_core.settings import (
    GenerationSettings,
    LiveSettings,
    ModelChoice,
    ModelClient,
    TableSettings,
    ToolSettings,
    TurnBudgets,
    declare_settings,
)
from chat_core.wiring import turn_runner

declare_settings(
    GenerationSettings,
    LiveSettings,
    ModelChoice,
    ModelClient,
    TableSettings,
    ToolSettings,
    TurnBudgets,
)


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return worker_result(turn_runner().run, event)
