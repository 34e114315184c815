"""Moves stored conversations from the retired local indexes to the ByActivity index.

Until issue 14, a conversation carried two local-index keys (LSI1SK, LSI2SK) that both
changed twice per turn. The listing now reads one global index keyed by ActivitySK,
which has the same format as LSI1SK (``status#activity#id``). A table deployed before
that has conversations with LSI keys and no ActivitySK: they would be missing from the
list. This copies LSI1SK into ActivitySK and removes both old keys, once per item.

Safe to run any number of times, while the API serves traffic: each update is
conditioned on the old key still being there, so a conversation a turn has already
moved (the claim writes ActivitySK) keeps the newer key. `make deploy` runs it after
every deploy, and the local stack runs it on tables kept from an earlier version.

    python scripts/migrate_listing_index.py TABLE_NAME [--region REGION]
"""

from __future__ import annotations

import argparse
from typing import Any

_OLD_KEY = "LSI1SK"


def migrate(client: Any, table: str) -> int:
    """Moves every item still keyed for the old indexes; returns how many it moved."""
    moved = 0
    scan: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "attribute_exists(#old)",
        "ExpressionAttributeNames": {"#old": _OLD_KEY},
        "ProjectionExpression": "PK, SK, #old",
    }
    while True:
        page = client.scan(**scan)
        for item in page.get("Items", []):
            moved += _move(client, table, item)
        if "LastEvaluatedKey" not in page:
            return moved
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _move(client: Any, table: str, item: dict[str, Any]) -> int:
    try:
        client.update_item(
            TableName=table,
            Key={"PK": item["PK"], "SK": item["SK"]},
            UpdateExpression="SET ActivitySK = if_not_exists(ActivitySK, :old) "
            "REMOVE LSI1SK, LSI2SK",
            ConditionExpression="attribute_exists(LSI1SK)",
            ExpressionAttributeValues={":old": item[_OLD_KEY]},
        )
    except client.exceptions.ConditionalCheckFailedException:
        return 0  # moved meanwhile (by a turn or another run)
    return 1


def main() -> None:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table")
    parser.add_argument("--region")
    args = parser.parse_args()
    client = boto3.client("dynamodb", region_name=args.region)
    print(f"{migrate(client, args.table)} conversations moved to the ByActivity index")


if __name__ == "__main__":
    main()
