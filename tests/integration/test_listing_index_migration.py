"""A table stored in the local-index layout keeps its conversations listed after the upgrade.

Its conversations carry the local-index keys (LSI1SK, LSI2SK) and no
ActivitySK. The upgrade adds the ByActivity index (what a deploy does, and what the
local stack does to a table kept in .local-data) and moves each conversation's key;
the lists then show exactly what they showed before, on DynamoDB Local.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from chat_core.repository.dynamodb import DynamoChatRepository
from local.dynamodb_local import catch_up, wait_for_indexes
from local.template import load_template
from scripts.migrate_listing_index import migrate
from tests.support.direct_turn import stack_client

T = 1_790_000_000_000


def old_definition(definition: dict[str, Any]) -> dict[str, Any]:
    """The table as deployed before the listing index: no global index, no ActivitySK."""
    old = {k: v for k, v in definition.items() if k != "GlobalSecondaryIndexes"}
    old["AttributeDefinitions"] = [
        a for a in definition["AttributeDefinitions"] if a["AttributeName"] != "ActivitySK"
    ]
    return old


@pytest.fixture
def upgraded(stack: Any) -> Iterator[tuple[Any, str, dict[str, Any]]]:
    client = stack_client(stack)
    definition = load_template().tables()["ChatTable"]
    name = f"local-index-layout-{uuid.uuid4().hex[:8]}"
    client.create_table(TableName=name, **old_definition(definition))
    yield client, name, definition
    client.delete_table(TableName=name)


def old_conversation(conversation_id: str, status: str, activity: int, **extra: Any) -> Any:
    values = {
        "PK": "USER#alice",
        "SK": f"CONV#{conversation_id}",
        "type": "conversation",
        "id": conversation_id,
        "owner": "alice",
        "title": f"{status} at {activity}",
        "agent_type": "general",
        "status": status,
        "created_ms": T,
        "updated_ms": T + activity,
        "last_message_ms": T + activity,
        "message_count": 2,
        "metadata": {},
        **extra,
    }
    if "deleted_ms" not in extra:
        values["LSI1SK"] = f"{status}#{T + activity:013d}#{conversation_id}"
        values["LSI2SK"] = f"general#{status}#{T + activity:013d}#{conversation_id}"
    return {
        k: {"N": str(v)} if isinstance(v, int) else {"M": {}} if v == {} else {"S": v}
        for k, v in values.items()
    }


def listed(repo: DynamoChatRepository, status: str, agent_type: str | None = None) -> list[str]:
    page = repo.list_conversations(
        "alice", status=status, agent_type=agent_type, limit=10, start_key=None
    )
    return [c.id for c in page.items]


def test_an_upgraded_table_lists_what_it_listed_before_and_the_move_runs_once(
    upgraded: tuple[Any, str, dict[str, Any]],
) -> None:
    client, name, definition = upgraded
    items = {
        "older": old_conversation("older", "active", 1_000),
        "newer": old_conversation("newer", "active", 2_000),
        "shelved": old_conversation("shelved", "archived", 500),
        "gone": old_conversation("gone", "active", 3_000, deleted_ms=T + 4_000),
    }
    for item in items.values():
        client.put_item(TableName=name, Item=item)

    catch_up(client, name, definition)

    repo = DynamoChatRepository(name, client=client)
    assert listed(repo, "active") == ["newer", "older"]  # most recent first, deleted hidden
    assert listed(repo, "archived") == ["shelved"]
    assert listed(repo, "active", "general") == ["newer", "older"]
    assert [c.id for c in repo.active_conversations("alice", "general", 5)] == ["older", "newer"]
    stored = client.get_item(
        TableName=name, Key={"PK": {"S": "USER#alice"}, "SK": {"S": "CONV#older"}}
    )
    assert "LSI1SK" not in stored["Item"] and "LSI2SK" not in stored["Item"]
    assert stored["Item"]["ActivitySK"]["S"] == f"active#{T + 1_000:013d}#older"
    assert migrate(client, name) == 0  # nothing left to move


def test_the_pass_before_the_deploy_lists_everything_from_the_first_request(
    upgraded: tuple[Any, str, dict[str, Any]],
) -> None:
    """make deploy's two passes around the deploy, with the old code writing in between:
    the new code's lists and cap are right before the second pass, and after it."""
    client, name, definition = upgraded
    for item in (
        old_conversation("older", "active", 1_000),
        old_conversation("newer", "active", 2_000),
        old_conversation("doomed", "active", 3_000),
    ):
        client.put_item(TableName=name, Item=item)
    assert migrate(client, name, before_deploy=True) == 3  # keyed, old keys kept

    # the old code, still serving: a turn moves "older" to the top, a delete of "doomed"
    # removes the keys it knows (not ActivitySK)
    client.update_item(
        TableName=name,
        Key={"PK": {"S": "USER#alice"}, "SK": {"S": "CONV#older"}},
        UpdateExpression="SET LSI1SK = :k, LSI2SK = :k2",
        ExpressionAttributeValues={
            ":k": {"S": f"active#{T + 5_000:013d}#older"},
            ":k2": {"S": f"general#active#{T + 5_000:013d}#older"},
        },
    )
    client.update_item(
        TableName=name,
        Key={"PK": {"S": "USER#alice"}, "SK": {"S": "CONV#doomed"}},
        UpdateExpression="SET deleted_ms = :now REMOVE LSI1SK, LSI2SK",
        ExpressionAttributeValues={":now": {"N": str(T + 6_000)}},
    )
    # the deploy: the index appears, built from the first pass's keys
    client.update_table(
        TableName=name,
        AttributeDefinitions=definition["AttributeDefinitions"],
        GlobalSecondaryIndexUpdates=[{"Create": definition["GlobalSecondaryIndexes"][0]}],
    )
    wait_for_indexes(client, name)
    repo = DynamoChatRepository(name, client=client)
    # before the second pass: every live conversation listed, the deleted one not
    assert set(listed(repo, "active")) == {"older", "newer"}
    assert len(repo.active_conversations("alice", "general", 5)) == 2

    assert migrate(client, name) == 3  # two moved, the deleted one's key removed
    assert listed(repo, "active") == ["older", "newer"]  # the old code's move counts
    doomed = client.get_item(
        TableName=name, Key={"PK": {"S": "USER#alice"}, "SK": {"S": "CONV#doomed"}}
    )["Item"]
    assert not {"ActivitySK", "LSI1SK", "LSI2SK"} & set(doomed)
    assert migrate(client, name) == 0
