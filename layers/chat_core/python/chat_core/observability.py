"""Powertools Logger and Metrics shared by every function (one instance per process).

The caller is logged as a hash of ``sub``, never the raw id; message content is
never logged unless LOG_MESSAGE_CONTENT allows it.
"""

from __future__ import annotations

import hashlib

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()


def hashed_user(sub: str) -> str:
    return hashlib.sha256(sub.encode()).hexdigest()[:16]
