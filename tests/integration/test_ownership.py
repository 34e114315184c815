"""User story 3: nobody can see or touch anyone else's conversations."""

from __future__ import annotations

from tests.support.api_client import ApiClient


def test_another_user_gets_403_on_every_route_that_takes_an_id_and_changes_nothing(
    alice: ApiClient, mallory: ApiClient
) -> None:
    conversation_id = alice.chat("my private thoughts").body["conversation_id"]
    alice.put(f"/v1/conversations/{conversation_id}/messages/2/feedback", {"rating": "up"})
    before = alice.get(f"/v1/conversations/{conversation_id}").body

    attempts = [
        mallory.get(f"/v1/conversations/{conversation_id}"),
        mallory.get(f"/v1/conversations/{conversation_id}/messages"),
        mallory.get(f"/v1/conversations/{conversation_id}/export"),
        mallory.get(f"/v1/conversations/{conversation_id}/export?format=json"),
        mallory.chat("let me in", conversation_id),
        mallory.patch(f"/v1/conversations/{conversation_id}", {"title": "pwned"}),
        mallory.put(f"/v1/conversations/{conversation_id}/messages/2/feedback", {"rating": "down"}),
        mallory.delete(f"/v1/conversations/{conversation_id}/messages/2/feedback"),
        mallory.post(f"/v1/conversations/{conversation_id}/regenerate", {}),
        mallory.put(f"/v1/conversations/{conversation_id}/messages/1", {"message": "mine now"}),
        mallory.get(f"/v1/conversations/{conversation_id}/messages/2/versions/1"),
        mallory.delete(f"/v1/conversations/{conversation_id}"),
    ]
    for response in attempts:
        assert response.status == 403, response.body
        assert response.error_code() == "forbidden"
        assert "my private thoughts" not in str(response.body)

    after = alice.get(f"/v1/conversations/{conversation_id}").body
    assert after == before
    assert mallory.get("/v1/conversations").body["items"] == []
    assert mallory.get("/v1/stats").body["messages"] == 0


def test_a_cursor_of_another_user_is_refused(alice: ApiClient, mallory: ApiClient) -> None:
    conversation_id = alice.chat("one").body["conversation_id"]
    alice.chat("two", conversation_id)
    page = alice.get(f"/v1/conversations/{conversation_id}/messages?limit=1")
    cursor = page.body["next_cursor"]
    assert cursor
    mine = mallory.chat("mine").body["conversation_id"]
    stolen = mallory.get(f"/v1/conversations/{mine}/messages?limit=1&cursor={cursor}")
    assert stolen.status == 400
    assert stolen.error_code() == "invalid_cursor"
