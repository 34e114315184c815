"""GET /v1/usage through the local gateway: a user's tokens today are exactly what their
replies used, against the daily budget, and nobody sees anyone else's."""

from __future__ import annotations

from tests.support.api_client import ApiClient


def test_usage_today_is_what_the_replies_used_and_is_the_callers_own(
    alice: ApiClient, mallory: ApiClient
) -> None:
    fresh = alice.get("/v1/usage")
    assert fresh.status == 200, fresh.body
    today = fresh.body["today"]
    assert (today["tokens"], today["remaining"]) == (0, today["budget"])
    assert today["resets_at"].endswith("T00:00:00.000Z")  # tomorrow, 00:00 UTC
    used = 0
    for text in ("Hello there", "Tell me more [stub:words=40]"):
        turn = alice.chat(text)
        assert turn.status == 201, turn.body
        used += turn.body["usage"]["total_tokens"]
    after = alice.get("/v1/usage").body
    assert after["today"]["tokens"] == used
    assert after["today"]["remaining"] == after["today"]["budget"] - used
    assert after["total"]["prompt"] + after["total"]["completion"] == used
    assert mallory.get("/v1/usage").body["today"]["tokens"] == 0
