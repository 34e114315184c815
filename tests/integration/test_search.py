"""Title search through the local gateway: folded, prefix and infix, active
and archived, paged; another user's titles never come back."""

from __future__ import annotations

from urllib.parse import quote

from tests.support.api_client import ApiClient


def search(client: ApiClient, query: str, **params: object) -> list[str]:
    extra = "".join(f"&{k}={v}" for k, v in params.items())
    response = client.get(f"/v1/search/conversations?q={quote(query)}{extra}")
    assert response.status == 200, response.body
    return [c["title"] for c in response.body["items"]]


def test_search_by_title_across_active_and_archived_and_only_your_own(
    alice: ApiClient, mallory: ApiClient
) -> None:
    cafe = alice.post("/v1/conversations", {"title": "Café crème in Lyon"}).body["id"]
    alice.post("/v1/conversations", {"title": "Trip to TURIN"})
    alice.chat("Crêpes for four people")  # the title comes from the first message
    mallory.post("/v1/conversations", {"title": "Mallory's café notes"})
    assert alice.patch(f"/v1/conversations/{cafe}", {"status": "archived"}).status == 200

    assert search(alice, "CAFE") == ["Café crème in Lyon"]  # archived ones too
    assert search(alice, "creme") == ["Café crème in Lyon"]
    assert search(alice, "rin") == ["Trip to TURIN"]  # infix
    assert search(alice, "cre") == ["Crêpes for four people", "Café crème in Lyon"]
    assert search(mallory, "cafe") == ["Mallory's café notes"]
    assert search(alice, "nothing like this") == []


def test_search_pages_and_refuses_bad_queries(alice: ApiClient) -> None:
    for n in range(5):
        alice.post("/v1/conversations", {"title": f"Report {n}"})
    first = alice.get("/v1/search/conversations?q=report&limit=2")
    assert first.status == 200 and len(first.body["items"]) == 2
    cursor = first.body["next_cursor"]
    seen = [c["title"] for c in first.body["items"]]
    while cursor:
        page = alice.get(f"/v1/search/conversations?q=report&limit=2&cursor={cursor}").body
        seen += [c["title"] for c in page["items"]]
        cursor = page["next_cursor"]
    assert sorted(seen) == [f"Report {n}" for n in range(5)]

    for bad in ("", "q=", "q=%20%20", "q=x&limit=0", "q=" + "x" * 201, "q=x&cursor=forged"):
        response = alice.get(f"/v1/search/conversations?{bad}")
        assert response.status == 400, (bad, response.body)
        assert response.error_code() in {"invalid_request", "invalid_cursor"}
