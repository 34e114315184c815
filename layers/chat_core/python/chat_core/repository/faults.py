"""Storage failures as the services see them (no boto3 import: cheap for every function)."""

from __future__ import annotations

# Errors that say "try again later" rather than "this request is wrong".
TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflictException",
        "TransactionInProgressException",
    }
)


class StorageFault(Exception):
    """DynamoDB failed (throttled, unreachable, or refused a request); nothing is assumed written.

    ``transient`` faults are worth retrying later (503); others are our bug (500).
    """

    def __init__(self, code: str, *, transient: bool) -> None:
        super().__init__(code)
        self.code = code
        self.transient = transient
