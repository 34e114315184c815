"""Feedback on replies through the local gateway: rate, change, take back,
see it in the message listing and in /v1/stats; bad input is a clear 4xx."""

from __future__ import annotations

from tests.support.api_client import ApiClient


def feedback_path(conversation_id: str, seq: int) -> str:
    return f"/v1/conversations/{conversation_id}/messages/{seq}/feedback"


def test_rate_change_and_take_back_a_reply_as_the_listing_and_stats_show(
    alice: ApiClient,
) -> None:
    conversation_id = alice.chat("What is the capital of Australia?").body["conversation_id"]
    rated = alice.put(
        feedback_path(conversation_id, 2), {"rating": "down", "comment": "It is Canberra."}
    )
    assert rated.status == 200, rated.body
    assert rated.body["seq"] == 2 and rated.body["role"] == "assistant"
    assert rated.body["feedback"]["rating"] == "down"
    assert rated.body["feedback"]["comment"] == "It is Canberra."

    listed = alice.get(f"/v1/conversations/{conversation_id}/messages").body["items"]
    assert listed[0]["feedback"] is None
    assert listed[1]["feedback"]["comment"] == "It is Canberra."
    assert alice.get("/v1/stats").body["feedback"] == {"up": 0, "down": 1}

    assert alice.put(feedback_path(conversation_id, 2), {"rating": "up"}).status == 200
    assert alice.get("/v1/stats").body["feedback"] == {"up": 1, "down": 0}
    opened = alice.get(f"/v1/conversations/{conversation_id}").body["messages"]
    assert opened[1]["feedback"]["rating"] == "up" and opened[1]["feedback"]["comment"] is None

    cleared = alice.delete(feedback_path(conversation_id, 2))
    assert cleared.status == 200 and cleared.body["feedback"] is None
    assert alice.get("/v1/stats").body["feedback"] == {"up": 0, "down": 0}


def test_bad_feedback_is_a_clear_4xx_and_changes_nothing(alice: ApiClient) -> None:
    conversation_id = alice.chat("hello").body["conversation_id"]
    attempts = {
        "user message": (alice.put(feedback_path(conversation_id, 1), {"rating": "up"}), 400),
        "no such seq": (alice.put(feedback_path(conversation_id, 9), {"rating": "up"}), 404),
        "seq 0": (alice.put(feedback_path(conversation_id, 0), {"rating": "up"}), 400),
        "bad rating": (alice.put(feedback_path(conversation_id, 2), {"rating": "meh"}), 400),
        "long comment": (
            alice.put(feedback_path(conversation_id, 2), {"rating": "up", "comment": "x" * 2001}),
            400,
        ),
        "unknown field": (
            alice.put(feedback_path(conversation_id, 2), {"rating": "up", "stars": 5}),
            400,
        ),
        "no body": (alice.put(feedback_path(conversation_id, 2)), 400),
    }
    for name, (response, status) in attempts.items():
        assert response.status == status, (name, response.body)
        assert response.body["error"]["code"] in {"invalid_request", "not_found"}, name
    listed = alice.get(f"/v1/conversations/{conversation_id}/messages").body["items"]
    assert [m["feedback"] for m in listed] == [None, None]
    assert alice.get("/v1/stats").body["feedback"] == {"up": 0, "down": 0}
