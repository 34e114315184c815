"""What DynamoDB bills for each request, computed from its published per-item rules.

DynamoDB Local's ReturnConsumedCapacity does not bill each item of a transaction (nor
their index writes), so its figure for a turn is low. This meter reads every written
item before and after the request (through a second, unmetered client) and applies the
rules as DynamoDB documents them:

- item size: attribute names plus values (strings and binaries their bytes, numbers
  about one byte per two significant digits plus one, booleans and nulls one byte,
  lists and maps 3 bytes plus their elements plus one byte each);
- a write is 1 unit per KB of the larger of the item before and after (at least 1), a
  transactional write or condition check 2 per KB;
- each secondary index the item is in costs its own writes: a put when the item
  enters it, a delete when it leaves, both when its index key changes, an update when
  a projected attribute changes (ProjectionType ALL: any attribute). A local index is
  written inside the request, so in a transaction twice; a global index is written
  after the transaction commits ("changes start propagating to global secondary
  indexes" once it completes, in the DynamoDB guide's "Transactions: how it works"),
  an ordinary write, once;
- a read is 1 unit per 4 KB read, strongly consistent, 0.5 eventually, at least one
  such unit per GetItem and per Query (a Query's items are summed first); a
  transactional read 2 per 4 KB.

What it does not see: a Query's items are sized as returned (after a
ProjectionExpression, DynamoDB bills the whole item; our only projected Query reads
tiny live items), and a refused write is billed nothing here (DynamoDB bills a failed
conditional write as a write).
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tests.support.template import load_template

# Write units of one turn by these rules (a budget of 16 for both): six transactional
# writes of items under 1 KB (12) and the listing index's entry (a delete and a put at
# the claim, an update at the reply; a put for a new conversation, whose ownership
# record makes its first turn one unit dearer). Guarded on moto
# (tests/unit/test_turn_cost.py) and on DynamoDB Local (tests/integration/).
TURN_WRITE_UNITS = 15
FIRST_TURN_WRITE_UNITS = 16


@dataclass(frozen=True)
class Index:
    name: str
    sort_key: str
    projection: str  # ALL | KEYS_ONLY | INCLUDE
    included: frozenset[str] = frozenset()
    is_global: bool = False
    partition_key: str = "PK"


@dataclass(frozen=True)
class TableShape:
    keys: tuple[str, ...]
    indexes: tuple[Index, ...] = ()


def shapes_from_template(names: dict[str, str]) -> dict[str, TableShape]:
    """The template's tables (by logical id, under the given physical names)."""
    resources = load_template()["Resources"]
    shapes = {}
    for logical_id, physical in names.items():
        props = resources[logical_id]["Properties"]
        keys = tuple(k["AttributeName"] for k in props["KeySchema"])
        indexes = tuple(
            Index(
                name=index["IndexName"],
                sort_key=next(
                    k["AttributeName"] for k in index["KeySchema"] if k["KeyType"] == "RANGE"
                ),
                projection=index["Projection"]["ProjectionType"],
                included=frozenset(index["Projection"].get("NonKeyAttributes", [])),
                is_global=kind == "GlobalSecondaryIndexes",
                partition_key=next(
                    k["AttributeName"] for k in index["KeySchema"] if k["KeyType"] == "HASH"
                ),
            )
            for kind in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes")
            for index in props.get(kind, [])
        )
        shapes[physical] = TableShape(keys, indexes)
    return shapes


def _number_size(text: str) -> int:
    return math.ceil(len(Decimal(text).normalize().as_tuple().digits) / 2) + 1


_SIZES: dict[str, Any] = {
    "S": lambda v: len(v.encode()),
    "B": len,
    "N": _number_size,
    "BOOL": lambda v: 1,
    "NULL": lambda v: 1,
    "SS": lambda v: sum(len(s.encode()) for s in v),
    "NS": lambda v: sum(_number_size(n) for n in v),
    "BS": lambda v: sum(len(b) for b in v),
    "L": lambda v: 3 + sum(value_size(e) + 1 for e in v),
    "M": lambda v: 3 + sum(len(k.encode()) + value_size(e) + 1 for k, e in v.items()),
}


def value_size(value: dict[str, Any]) -> int:
    """The size of one typed attribute value (boto3's low-level form: {"S": ...})."""
    ((kind, inner),) = value.items()
    return int(_SIZES[kind](inner))


def item_size(item: dict[str, Any] | None) -> int:
    return sum(len(name.encode()) + value_size(v) for name, v in (item or {}).items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / 4096))
    return float(units) if consistent else units / 2


@dataclass
class BilledWrite:
    operation: str
    table: str
    key: str
    units: float
    index_units: float


@dataclass
class BillingMeter:
    """Attach to a boto3 DynamoDB client; ``reader`` is a second client it reads with."""

    shapes: dict[str, TableShape]
    reader: Any
    write_units: float = 0.0
    read_units: float = 0.0
    writes: list[BilledWrite] = field(default_factory=list)
    operations: Counter[str] = field(default_factory=Counter)
    # Off: requests pass unbilled (and unread: metering reads every written item twice).
    active: bool = True
    _pending: threading.local = field(default_factory=threading.local)

    def attach(self, client: Any) -> BillingMeter:
        # Last before the request (after a boto3 resource typed the parameters) and first
        # after it (before a resource turns the typed response into plain values).
        client.meta.events.register_last("before-parameter-build.dynamodb", self._before)
        client.meta.events.register_first("after-call.dynamodb", self._after)
        return self

    def reset(self) -> None:
        self.write_units = self.read_units = 0.0
        self.writes.clear()
        self.operations.clear()

    # ------------------------------------------------------------------ hooks
    def _before(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if not self.active:
            self._pending.targets, self._pending.params = [], None
            return
        self._pending.targets = [
            (action, table, key, self._get(table, key))
            for action, table, key in _targets(model.name, params, self.shapes)
        ]
        self._pending.params = params

    def _after(self, model: Any, parsed: dict[str, Any], http_response: Any, **_: Any) -> None:
        if http_response.status_code >= 300 or getattr(self._pending, "params", None) is None:
            return
        name, params = model.name, getattr(self._pending, "params", {})
        self.operations[name] += 1
        transactional = 2 if name == "TransactWriteItems" else 1
        for action, table, key, before in getattr(self._pending, "targets", []):
            after = before if action == "ConditionCheck" else self._get(table, key)
            units = transactional * write_units(max(item_size(before), item_size(after)))
            index = 0
            if action != "ConditionCheck":
                local, global_ = _index_units(self.shapes[table], before, after)
                index = transactional * local + global_
            self.write_units += units + index
            self.writes.append(BilledWrite(f"{name}.{action}", table, _key_text(key), units, index))
        self._pending.targets = []
        self.read_units += _read_units(name, params, parsed)

    def _get(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.reader.get_item(
            TableName=table, Key=key, ConsistentRead=True
        ).get("Item")
        return item


def _targets(
    operation: str, params: dict[str, Any], shapes: dict[str, TableShape]
) -> list[tuple[str, str, dict[str, Any]]]:
    """(action, table, key) of every item a write request touches."""

    def key_of(table: str, item: dict[str, Any]) -> dict[str, Any]:
        return {k: item[k] for k in shapes[table].keys}

    targets = _all_targets(operation, params, key_of)
    return [(action, table, key) for action, table, key in targets if table in shapes]


def _all_targets(
    operation: str, params: dict[str, Any], key_of: Any
) -> list[tuple[str, str, dict[str, Any]]]:
    def key_or_none(table: str, item: dict[str, Any]) -> dict[str, Any]:
        try:
            return key_of(table, item)  # type: ignore[no-any-return]
        except KeyError:  # a table this meter does not bill
            return {}

    if operation == "TransactWriteItems":
        out = []
        for entry in params["TransactItems"]:
            ((action, body),) = entry.items()
            table = body["TableName"]
            key = key_or_none(table, body["Item"]) if action == "Put" else body["Key"]
            out.append((action, table, key))
        return out
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        table = params["TableName"]
        key = key_or_none(table, params["Item"]) if operation == "PutItem" else params["Key"]
        return [(operation.removesuffix("Item"), table, key)]
    if operation == "BatchWriteItem":
        out = []
        for table, requests in params["RequestItems"].items():
            for request in requests:
                if "PutRequest" in request:
                    out.append(("Put", table, key_or_none(table, request["PutRequest"]["Item"])))
                else:
                    out.append(("Delete", table, request["DeleteRequest"]["Key"]))
        return out
    return []


def _projected(
    shape: TableShape, index: Index, item: dict[str, Any] | None
) -> dict[str, Any] | None:
    if item is None or index.sort_key not in item or index.partition_key not in item:
        return None
    if index.projection == "ALL":
        return item
    kept = (
        set(shape.keys)
        | {index.partition_key, index.sort_key}
        | (set(index.included) if index.projection == "INCLUDE" else set())
    )
    return {k: v for k, v in item.items() if k in kept}


def _index_units(
    shape: TableShape, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[int, int]:
    """Index write units of one item write: (local indexes, global indexes)."""
    units = {False: 0, True: 0}
    for index in shape.indexes:
        old, new = _projected(shape, index, before), _projected(shape, index, after)
        if old is None and new is None:
            continue
        if old is None:
            spent = write_units(item_size(new))
        elif new is None:
            spent = write_units(item_size(old))
        elif old[index.sort_key] != new[index.sort_key]:
            spent = write_units(item_size(old)) + write_units(item_size(new))
        elif old != new:
            spent = write_units(max(item_size(old), item_size(new)))
        else:
            spent = 0
        units[index.is_global] += spent
    return units[False], units[True]


def _read_units(operation: str, params: dict[str, Any], parsed: dict[str, Any]) -> float:
    consistent = bool(params.get("ConsistentRead"))
    if operation == "GetItem":
        return read_units(item_size(parsed.get("Item")), consistent)
    if operation in ("Query", "Scan"):
        return read_units(sum(item_size(i) for i in parsed.get("Items", [])), consistent)
    if operation == "BatchGetItem":
        return sum(
            read_units(item_size(i), consistent)
            for items in parsed.get("Responses", {}).values()
            for i in items
        )
    if operation == "TransactGetItems":
        return sum(
            2 * read_units(item_size(r.get("Item")), True) for r in parsed.get("Responses", [])
        )
    return 0.0


def _key_text(key: dict[str, Any]) -> str:
    return "|".join(str(next(iter(v.values()))) for v in key.values())
