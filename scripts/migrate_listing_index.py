"""Moves stored conversations from the unused local indexes to the ByActivity index.

In the local-index layout, a conversation carries two local-index keys (LSI1SK, LSI2SK)
that both change twice per turn. The listing reads one global index keyed by ActivitySK,
which has the same format as LSI1SK (``status#activity#id``). A table deployed with
that layout has conversations with LSI keys and no ActivitySK: they would be missing from the
list, and the active cap, which counts the list against the user's exact counter,
would refuse new conversations until they are back.

So `make deploy` runs this twice (docs/deploy.md "Listing index"):

- ``--before`` the deploy, while the old code serves: every live conversation gets
  ActivitySK = LSI1SK, its old keys kept (the old code still lists by them). When the
  deploy adds the global index, DynamoDB builds it from these, so the new code finds
  every conversation from its first request.
- after the deploy: every conversation still carrying LSI1SK gets ActivitySK = LSI1SK
  again (the old code may have moved it between the two runs) and loses its old keys.
  The new code removes the old keys wherever it sets ActivitySK, so a conversation it
  has touched is skipped, never set back to an older key.

A deleted conversation is never given a key, and loses any it has: the old code's
delete removes the old keys but knows nothing of ActivitySK, which the first pass may
have set. (Between the deploy and the second pass such a conversation is in the index;
the lists and the cap skip deleted conversations, so it is not shown.)

Safe to run any number of times, while the API serves traffic; each update is
conditioned on what it read.

    python scripts/migrate_listing_index.py TABLE_NAME [--before] [--region REGION]
"""

from __future__ import annotations

import argparse
from typing import Any

_LIVE_OLD = "attribute_exists(LSI1SK) AND attribute_not_exists(deleted_ms)"


def migrate(client: Any, table: str, *, before_deploy: bool = False) -> int:
    """One pass over the table; returns how many conversations it changed."""
    changed = 0
    scan: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "attribute_exists(LSI1SK) OR "
        "(attribute_exists(deleted_ms) AND attribute_exists(ActivitySK))",
        "ProjectionExpression": "PK, SK, deleted_ms",
    }
    while True:
        page = client.scan(**scan)
        for item in page.get("Items", []):
            changed += _move(client, table, item, before_deploy=before_deploy)
        if "LastEvaluatedKey" not in page:
            return changed
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _move(client: Any, table: str, item: dict[str, Any], *, before_deploy: bool) -> int:
    key = {"PK": item["PK"], "SK": item["SK"]}
    if "deleted_ms" in item:
        if before_deploy:
            return 0  # the old code still reads nothing of it; the pass after cleans up
        update: dict[str, Any] = {
            "UpdateExpression": "REMOVE ActivitySK, LSI1SK, LSI2SK",
            "ConditionExpression": "attribute_exists(deleted_ms)",
        }
    else:
        update = {
            "UpdateExpression": "SET ActivitySK = LSI1SK"
            + ("" if before_deploy else " REMOVE LSI1SK, LSI2SK"),
            "ConditionExpression": _LIVE_OLD,
        }
    try:
        client.update_item(TableName=table, Key=key, **update)
    except client.exceptions.ConditionalCheckFailedException:
        return 0  # moved or deleted meanwhile (by a turn, a user or another run)
    return 1


def main() -> None:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table")
    parser.add_argument("--before", action="store_true", help="the pass before the deploy")
    parser.add_argument("--region")
    args = parser.parse_args()
    client = boto3.client("dynamodb", region_name=args.region)
    changed = migrate(client, args.table, before_deploy=args.before)
    print(f"{changed} conversations {'keyed for' if args.before else 'moved to'} ByActivity")


if __name__ == "__main__":
    main()
