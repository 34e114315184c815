"""The conversation sidebar through the gateway: create, list, page, rename, delete, stats, cap."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.support.api_client import ApiClient

MAX_ACTIVE = 5  # the stack fixture's MAX_ACTIVE_CONVERSATIONS


def list_all(client: ApiClient, query: str = "", limit: int = 100) -> list[dict]:  # type: ignore[type-arg]
    return client.get(f"/v1/conversations?limit={limit}{query}").body["items"]  # type: ignore[no-any-return]


def test_create_read_rename_with_metadata(alice: ApiClient) -> None:
    created = alice.post(
        "/v1/conversations", {"title": "Groceries", "metadata": {"list": "weekly"}}
    )
    assert created.status == 201, created.body
    conversation = created.body
    assert (conversation["title"], conversation["status"], conversation["message_count"]) == (
        "Groceries",
        "active",
        0,
    )
    assert conversation["metadata"] == {"list": "weekly"}

    renamed = alice.patch(
        f"/v1/conversations/{conversation['id']}",
        {"title": "Groceries (Sat)", "metadata": {"list": "saturday"}},
    )
    assert renamed.status == 200
    assert (renamed.body["title"], renamed.body["metadata"]) == (
        "Groceries (Sat)",
        {"list": "saturday"},
    )
    read = alice.get(f"/v1/conversations/{conversation['id']}").body
    assert (read["title"], read["metadata"], read["messages"]) == (
        "Groceries (Sat)",
        {"list": "saturday"},
        [],
    )

    for bad in (
        {"title": ""},
        {"title": "x" * 201},
        {},
        {"title": 3},
        {"metadata": {str(i): "v" for i in range(17)}},
    ):
        response = alice.patch(f"/v1/conversations/{conversation['id']}", bad)
        assert response.status == 400, bad
        assert response.error_code() == "invalid_request"


def test_paging_23_conversations_by_5_has_no_gaps_or_repeats_even_with_a_rename(
    client_for: Any, unique_user: str
) -> None:
    client = client_for(unique_user)
    agents = [a["name"] for a in client.get("/v1/agents").body["items"]]
    created = [
        client.post(
            "/v1/conversations", {"title": f"c{i}", "agent_type": agents[i % len(agents)]}
        ).body["id"]
        for i in range(23)
    ]
    everything = list_all(client) + list_all(client, "&status=archived")
    assert sorted(c["id"] for c in everything) == sorted(created)

    active = [c["id"] for c in list_all(client)]
    seen, cursor, pages = [], None, 0
    while True:
        page = client.get("/v1/conversations?limit=5" + (f"&cursor={cursor}" if cursor else ""))
        assert page.status == 200, page.body
        seen += [c["id"] for c in page.body["items"]]
        pages += 1
        if pages == 1:
            client.patch(f"/v1/conversations/{active[-1]}", {"title": "renamed while paging"})
        cursor = page.body["next_cursor"]
        if not cursor:
            break
    assert seen == active
    assert len(seen) == len(set(seen))

    archived = [c["id"] for c in list_all(client, "&status=archived")]
    seen, cursor = [], None
    while True:
        page = client.get(
            "/v1/conversations?status=archived&limit=5" + (f"&cursor={cursor}" if cursor else "")
        )
        seen += [c["id"] for c in page.body["items"]]
        cursor = page.body["next_cursor"]
        if not cursor:
            break
    assert seen == archived
    cursor_of_active = client.get("/v1/conversations?limit=1").body["next_cursor"]
    on_other_list = client.get(f"/v1/conversations?status=archived&cursor={cursor_of_active}")
    assert (on_other_list.status, on_other_list.error_code()) == (400, "invalid_cursor")
    tampered = client.get(f"/v1/conversations?cursor={cursor_of_active[:-3]}xyz")
    assert (tampered.status, tampered.error_code()) == (400, "invalid_cursor")


def test_the_cap_holds_under_6_parallel_creations(alice: ApiClient) -> None:
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(
            pool.map(lambda i: alice.post("/v1/conversations", {"title": f"p{i}"}), range(6))
        )
    assert sorted(r.status for r in results) == [201] * 6, [r.body for r in results]
    active = list_all(alice, "&agent_type=general")
    archived = list_all(alice, "&status=archived")
    assert len(active) == MAX_ACTIVE
    assert len(archived) == 1
    stats = alice.get("/v1/stats").body
    assert stats["conversations"] == {
        "active": MAX_ACTIVE,
        "archived": 1,
        "by_agent_type": {"general": 6},
    }


def test_sending_to_an_archived_conversation_reactivates_it(alice: ApiClient) -> None:
    oldest = alice.chat("the first one").body["conversation_id"]
    for i in range(MAX_ACTIVE):
        alice.post("/v1/conversations", {"title": f"newer {i}"})
    assert oldest in [c["id"] for c in list_all(alice, "&status=archived")]
    back = alice.chat("I'm back", oldest)
    assert back.status == 200
    active_ids = [c["id"] for c in list_all(alice)]
    assert active_ids[0] == oldest
    assert len(active_ids) == MAX_ACTIVE
    assert len(list_all(alice, "&status=archived")) == 1


def test_soft_delete_is_immediate_everywhere(alice: ApiClient) -> None:
    conversation_id = alice.chat("delete me").body["conversation_id"]
    alice.chat("with messages", conversation_id)
    assert alice.get("/v1/stats").body["messages"] == 4

    deleted = alice.delete(f"/v1/conversations/{conversation_id}")
    assert deleted.status == 204
    for response in (
        alice.get(f"/v1/conversations/{conversation_id}"),
        alice.get(f"/v1/conversations/{conversation_id}/messages"),
        alice.patch(f"/v1/conversations/{conversation_id}", {"title": "x"}),
        alice.delete(f"/v1/conversations/{conversation_id}"),
        alice.chat("hello?", conversation_id),
    ):
        assert response.status == 404, response.body
        assert response.error_code() == "not_found"
    assert conversation_id not in [
        c["id"] for c in list_all(alice) + list_all(alice, "&status=archived")
    ]
    stats = alice.get("/v1/stats").body
    assert stats["messages"] == 0
    assert stats["conversations"]["active"] == 0


def test_stats_are_exact_under_concurrent_turns_and_deletes(alice: ApiClient) -> None:
    conversations = [alice.chat(f"start {i}").body["conversation_id"] for i in range(4)]

    def work(i: int) -> int:
        if i < 4:
            return alice.chat(f"more {i}", conversations[i]).status
        return alice.delete(f"/v1/conversations/{conversations[i - 4]}").status if i == 4 else 0

    with ThreadPoolExecutor(max_workers=5) as pool:
        statuses = list(pool.map(work, range(5)))
    remaining = [c for c in list_all(alice)]
    messages = sum(c["message_count"] for c in remaining)
    stats = alice.get("/v1/stats").body
    assert stats["messages"] == messages
    assert stats["conversations"]["active"] == len(remaining)
    assert stats["tokens"]["prompt"] > 0
    assert all(s in (200, 204, 404) for s in statuses if s)


def test_list_filters_are_validated(alice: ApiClient) -> None:
    assert alice.get("/v1/conversations?status=deleted").status == 400
    unknown = alice.get("/v1/conversations?agent_type=pirate")
    assert (unknown.status, unknown.error_code()) == (400, "unknown_agent_type")
    assert alice.get("/v1/conversations?limit=101").status == 400
