"""Counts DynamoDB requests and consumed capacity through botocore's event hooks.

Used by the cost tests (which gate on counts, never on time) and the benchmarks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

_CAPACITY_OPERATIONS = {
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "TransactWriteItems",
    "TransactGetItems",
    "BatchGetItem",
    "BatchWriteItem",
}


@dataclass
class DynamoMeter:
    """Attach to a boto3 DynamoDB client; every call is counted, with its capacity."""

    operations: Counter[str] = field(default_factory=Counter)
    read_units: float = 0.0
    write_units: float = 0.0
    # The same requests billed by DynamoDB's per-item rules (tests/support/billing.py),
    # where a meter is given one: Local's figures above undercount transactions.
    billed: Any = None

    def attach(self, client: Any) -> DynamoMeter:
        events = client.meta.events
        events.register("before-parameter-build.dynamodb", self._ask_for_capacity)
        events.register("after-call.dynamodb", self._record)
        return self

    def reset(self) -> None:
        self.operations.clear()
        self.read_units = self.write_units = 0.0
        if self.billed is not None:
            self.billed.reset()

    @property
    def requests(self) -> int:
        return sum(self.operations.values())

    def _ask_for_capacity(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in _CAPACITY_OPERATIONS:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")

    def _record(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        self.operations[model.name] += 1
        consumed = parsed.get("ConsumedCapacity")
        for entry in consumed if isinstance(consumed, list) else [consumed] if consumed else []:
            self.read_units += float(entry.get("ReadCapacityUnits", 0) or 0)
            self.write_units += float(entry.get("WriteCapacityUnits", 0) or 0)
            if not entry.get("ReadCapacityUnits") and not entry.get("WriteCapacityUnits"):
                # Some servers report only CapacityUnits; attribute it by operation.
                units = float(entry.get("CapacityUnits", 0) or 0)
                if model.name in {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}:
                    self.read_units += units
                else:
                    self.write_units += units
