"""Regenerate and edit-and-resend through the local gateway: the last
exchange is replaced, streamed like any turn, and what it replaced stays readable."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from tests.support.api_client import ApiClient
from tests.support.live_client import LiveClient

SLOW = "[stub:words=40] [stub:rate=20]"  # about 2 s of streaming


def regenerate(api: ApiClient, conversation_id: str, **body: Any) -> Any:
    return api.post(f"/v1/conversations/{conversation_id}/regenerate", body)


def edit(api: ApiClient, conversation_id: str, seq: int, message: str, **body: Any) -> Any:
    return api.put(
        f"/v1/conversations/{conversation_id}/messages/{seq}", {"message": message, **body}
    )


def version(api: ApiClient, conversation_id: str, seq: int, number: int) -> Any:
    return api.get(f"/v1/conversations/{conversation_id}/messages/{seq}/versions/{number}")


def messages(api: ApiClient, conversation_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.get(f"/v1/conversations/{conversation_id}/messages").body[
        "items"
    ]
    return items


def test_regenerate_streams_a_new_version_and_the_old_reply_stays_readable(
    alice: ApiClient, live: Callable[[], LiveClient]
) -> None:
    # [stub:vary]: asked the same history again, the stub answers differently.
    asked = f"Name a colour {uuid.uuid4()} [stub:vary]"
    conversation_id = alice.chat(asked).body["conversation_id"]
    first = messages(alice, conversation_id)[1]
    stats_before = alice.get("/v1/stats").body
    socket = live()

    accepted = regenerate(alice, conversation_id, stream=True)

    assert accepted.status == 202, accepted.body
    assert accepted.body["user_message"]["seq"] == 1
    completed = socket.end_of(conversation_id)
    assert completed["type"] == "turn.completed"
    assert socket.of_type("turn.started")[0]["user_message_seq"] == 1
    reply = completed["reply"]
    assert (reply["seq"], reply["version"]) == (2, 2)
    assert reply["content"].startswith("Take 2: ") and reply["content"] != first["content"]
    assert socket.text_of(accepted.body["turn_id"]) == reply["content"]

    stored = messages(alice, conversation_id)
    assert [(m["seq"], m["version"]) for m in stored] == [(1, 1), (2, 2)]
    assert stored[1]["id"] == reply["id"]
    earlier = version(alice, conversation_id, 2, 1)
    assert earlier.status == 200, earlier.body
    assert earlier.body["message"]["id"] == first["id"]
    assert earlier.body["message"]["content"] == first["content"]
    assert earlier.body["current_version"] == 2 and earlier.body["reply"] is None
    stats = alice.get("/v1/stats").body
    assert stats["messages"] == stats_before["messages"]  # replaced, not added
    assert stats["tokens"]["completion"] > stats_before["tokens"]["completion"]


def test_edit_and_resend_answers_the_new_text_and_keeps_the_old_exchange(
    alice: ApiClient,
) -> None:
    conversation_id = alice.chat("What is 2 + 2?").body["conversation_id"]
    alice.chat("And 3 + 3?", conversation_id)
    before = messages(alice, conversation_id)

    edited = edit(alice, conversation_id, 3, "And 4 + 4?")

    assert edited.status == 200, edited.body
    assert edited.body["user_message"]["content"] == "And 4 + 4?"
    assert edited.body["user_message"]["version"] == 2
    assert "4 + 4" in edited.body["reply"]["content"]  # the stub echoes what it answers
    after = messages(alice, conversation_id)
    assert [m["content"] for m in after[:3]] == [
        "What is 2 + 2?",
        before[1]["content"],
        "And 4 + 4?",
    ]
    assert len(after) == 4
    old = version(alice, conversation_id, 3, 1).body
    assert old["message"]["content"] == "And 3 + 3?"
    assert old["reply"]["content"] == before[3]["content"]
    conversation = alice.get(f"/v1/conversations/{conversation_id}").body
    assert conversation["message_count"] == 4


def test_a_regenerate_or_edit_the_api_cannot_do_is_a_clear_4xx_and_changes_nothing(
    alice: ApiClient,
) -> None:
    conversation_id = alice.chat("hello").body["conversation_id"]
    alice.chat("again", conversation_id)
    before = messages(alice, conversation_id)
    empty = alice.post("/v1/conversations", {}).body["id"]
    attempts = {
        "nothing to regenerate": (regenerate(alice, empty), 409, "nothing_to_regenerate"),
        "an earlier message": (edit(alice, conversation_id, 1, "x"), 409, "message_not_editable"),
        "a reply": (edit(alice, conversation_id, 4, "x"), 400, "invalid_request"),
        "no such seq": (edit(alice, conversation_id, 9, "x"), 404, "not_found"),
        "blank text": (edit(alice, conversation_id, 3, "   "), 400, "invalid_request"),
        "too long": (edit(alice, conversation_id, 3, "x" * 16001), 413, "message_too_long"),
        "unknown field": (regenerate(alice, conversation_id, model="x"), 400, "invalid_request"),
        "current version": (version(alice, conversation_id, 4, 1), 404, "not_found"),
        "version 0": (version(alice, conversation_id, 4, 0), 400, "invalid_request"),
    }
    for name, (response, status, code) in attempts.items():
        assert (response.status, response.error_code()) == (status, code), (name, response.body)
    assert messages(alice, conversation_id) == before


def test_regenerate_while_a_reply_streams_is_busy(
    alice: ApiClient, live: Callable[[], LiveClient]
) -> None:
    socket = live()
    conversation_id = alice.chat("first").body["conversation_id"]
    streaming = alice.chat(f"second {SLOW}", conversation_id, stream=True)
    assert streaming.status == 202
    busy = regenerate(alice, conversation_id)
    assert (busy.status, busy.error_code()) == (409, "conversation_busy")
    assert busy.headers.get("retry-after")
    turn_id = streaming.body["turn_id"]
    ended = socket.wait_for(lambda e: e.get("turn_id") == turn_id and e["type"] == "turn.completed")
    assert ended["reply"]["seq"] == 4
    assert regenerate(alice, conversation_id).status == 200
