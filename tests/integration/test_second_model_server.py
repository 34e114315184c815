"""The streaming path against a second, independent OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.testing import running_stack
from tests.support.api_client import ApiClient
from tests.support.live_client import LiveClient
from tests.support.sse_model import STORY, second_model_server


@pytest.fixture(scope="module")
def other_stack() -> Iterator[Any]:
    with (
        second_model_server() as base_url,
        running_stack(env={"OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "second"}) as stack,
    ):
        yield stack


def test_a_streamed_turn_from_another_server(other_stack: Any) -> None:
    token = other_stack.token("second-server-user")
    api, socket = ApiClient(other_stack.base_url, token), LiveClient(other_stack.base_url, token)
    try:
        accepted = api.chat("Tell me a story", stream=True).body
        completed = socket.end_of(accepted["conversation_id"])
        assert completed["reply"]["content"] == STORY
        assert completed["reply"]["status"] == "ok"
        assert completed["usage"] == {
            "prompt_tokens": 11,
            "completion_tokens": 23,
            "total_tokens": 34,
        }
        assert socket.text_of(accepted["turn_id"]) == STORY
        assert len(socket.of_type("turn.delta")) >= 2
    finally:
        socket.close()


def test_an_error_event_mid_stream_keeps_the_text_as_incomplete(other_stack: Any) -> None:
    api = ApiClient(other_stack.base_url, other_stack.token("second-server-failure"))
    turn = api.chat("FAIL_MID_STREAM please")
    assert turn.status == 201, turn.body
    reply = turn.body["reply"]
    assert (reply["status"], reply["content"]) == ("incomplete", STORY[:15])
