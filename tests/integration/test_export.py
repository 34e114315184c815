"""Export through the local gateway: Markdown and JSON, every message, in parts."""

from __future__ import annotations

from typing import Any

from tests.support.api_client import ApiClient
from tests.support.direct_turn import stack_client
from tests.support.seeding import seed_history


def all_parts(client: ApiClient, conversation_id: str, export_format: str) -> list[Any]:
    parts, cursor = [], ""
    while True:
        response = client.get(
            f"/v1/conversations/{conversation_id}/export?format={export_format}"
            + (f"&cursor={cursor}" if cursor else "")
        )
        assert response.status == 200, response.body
        parts.append(response.body)
        cursor = response.body["next_cursor"]
        if not cursor:
            return parts


def test_a_conversation_of_430_messages_exports_whole_as_markdown_and_json(
    stack: Any, alice: ApiClient, unique_user: str
) -> None:
    conversation_id = alice.chat("Notes about the **atlas** project").body["conversation_id"]
    seed_history_as(stack, unique_user, conversation_id, up_to=430)

    parts = all_parts(alice, conversation_id, "json")
    assert [len(p["messages"]) for p in parts] == [200, 200, 30]
    assert [m["seq"] for p in parts for m in p["messages"]] == list(range(1, 431))
    assert parts[0]["filename"].startswith("notes-about-the-atlas-project-")
    assert parts[0]["filename"].endswith(".json") and parts[0]["markdown"] is None

    markdown = "".join(p["markdown"] for p in all_parts(alice, conversation_id, "markdown"))
    assert markdown.startswith("# Notes about the **atlas** project\n\n- agent: general\n")
    assert "- messages: 430\n" in markdown
    assert markdown.count("\n## ") == 430
    assert markdown.index(" · #1\n\nNotes about") < markdown.index(" · #430\n")


def test_export_answers_clear_errors(alice: ApiClient) -> None:
    conversation_id = alice.chat("one").body["conversation_id"]
    bad_format = alice.get(f"/v1/conversations/{conversation_id}/export?format=pdf")
    assert (bad_format.status, bad_format.error_code()) == (400, "invalid_request")
    missing = alice.get("/v1/conversations/00000000-0000-4000-8000-00000000dead/export")
    assert (missing.status, missing.error_code()) == (404, "not_found")
    bad_cursor = alice.get(f"/v1/conversations/{conversation_id}/export?cursor=nope")
    assert (bad_cursor.status, bad_cursor.error_code()) == (400, "invalid_cursor")


def seed_history_as(stack: Any, sub: str, conversation_id: str, *, up_to: int) -> None:
    """Messages 3..up_to stored as turns store them (430 turns through the gateway would
    take minutes); tests/unit/test_turn_cost.py's seeding, on the stack's table."""
    client = stack_client(stack)
    seed_history(
        client,
        conversation_id,
        after=2,
        up_to=up_to,
        now=1_790_000_000_000,
        sub=sub,
        table=stack.table_names["ChatTable"],
    )


def test_long_messages_past_dynamodb_s_1_mb_read_are_paged_and_exported_whole(
    alice: ApiClient,
) -> None:
    """25 turns of 16,000 four-byte characters: each message item is ~64 KB, so one
    Query of a page stops at DynamoDB's 1 MB before the page is full."""
    long = "\U0001f600" * 15_980 + " [stub:echo]"  # the stub answers with the same text
    conversation_id = alice.chat(long).body["conversation_id"]
    for _ in range(24):
        assert alice.chat(long, conversation_id).status == 200
    assert alice.get(f"/v1/conversations/{conversation_id}").body["message_count"] == 50

    seqs: list[int] = []
    sizes: list[int] = []
    cursor = ""
    while True:
        page = alice.get(
            f"/v1/conversations/{conversation_id}/messages"
            + (f"?cursor={cursor}" if cursor else "")
        ).body
        seqs += [m["seq"] for m in page["items"]]
        sizes.append(len(page["items"]))
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seqs == list(range(1, 51))
    assert sizes[0] < 20, sizes  # a page of 20 came back short, with a cursor

    exported = [m for p in all_parts(alice, conversation_id, "json") for m in p["messages"]]
    assert [m["seq"] for m in exported] == list(range(1, 51))
    assert all(m["content"].count("\U0001f600") == 15_980 for m in exported)
