"""Powertools Logger, Metrics and Tracer shared by every function (one per process).

The caller is logged as a hash of ``sub``, never the raw id; message content is
never logged unless LOG_MESSAGE_CONTENT allows it.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

logger = Logger()
# A default namespace: a missing setting must never turn a stored turn into an error.
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "ChatBackend")


def tracing_enabled() -> bool:
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() not in ("1", "true")


@lru_cache(maxsize=1)
def tracer() -> Tracer:
    """X-Ray tracer, built only where tracing is on: importing the X-Ray SDK costs
    ~140 ms of cold start, which the local stack and the health check should not pay."""
    from aws_lambda_powertools import Tracer

    return Tracer()


# Error codes counted as metrics of their own (the alarms in template.yaml watch them).
_ERROR_METRICS = {
    "agent_unavailable": "ModelErrors",
    "rate_limited": "RateLimited",
    "conversation_busy": "ConversationBusy",
    "storage_unavailable": "StorageErrors",
    "internal_error": "InternalErrors",
}


def count_error(code: str) -> None:
    metrics.add_metric(
        name=_ERROR_METRICS.get(code, "ClientErrors"), unit=MetricUnit.Count, value=1
    )


def record_turn(
    *, created: bool, model_latency_ms: int, prompt_tokens: int, completion_tokens: int
) -> None:
    metrics.add_metric(name="Turns", unit=MetricUnit.Count, value=1)
    if created:
        metrics.add_metric(name="ConversationsStarted", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="ModelLatency", unit=MetricUnit.Milliseconds, value=model_latency_ms)
    metrics.add_metric(name="PromptTokens", unit=MetricUnit.Count, value=prompt_tokens)
    metrics.add_metric(name="CompletionTokens", unit=MetricUnit.Count, value=completion_tokens)


def hashed_user(sub: str) -> str:
    return hashlib.sha256(sub.encode()).hexdigest()[:16]
