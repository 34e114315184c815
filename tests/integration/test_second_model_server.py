"""The streaming path against a second, independent OpenAI-compatible server that
behaves like real ones: a reasoning model's parameter rules, Azure's chunks without
choices, reasoning deltas, split surrogates, every finish reason, a refused key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chat_core.replies import MAX_REPLY_BYTES
from local.testing import running_stack
from tests.support.api_client import ApiClient
from tests.support.live_client import LiveClient
from tests.support.sse_model import (
    BAD_KEY_MESSAGE,
    SPLIT_TEXT,
    STORY,
    THOUGHTS,
    TOOL_CALLS,
    SecondServer,
    second_model_server,
)

# A reasoning model whose efforts are low/medium/high: the concise agent's "minimal"
# has to be sent as "low", and no max_tokens or temperature at all.
MODEL = "o4-mini"


@pytest.fixture(scope="module")
def server() -> Iterator[SecondServer]:
    with second_model_server() as server:
        yield server


@pytest.fixture(scope="module")
def other_stack(server: SecondServer) -> Iterator[Any]:
    env = {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "second", "OPENAI_MODEL": MODEL}
    with running_stack(env=env) as stack:
        yield stack


def sent_for(server: SecondServer, marker: str) -> dict[str, Any]:
    """The request the backend sent the model for the message holding ``marker``."""
    return next(
        body
        for body in reversed(server.requests)
        if marker in str(body["messages"][-1].get("content", ""))
    )


def test_a_streamed_turn_from_another_server(other_stack: Any, server: SecondServer) -> None:
    token = other_stack.token("second-server-user")
    api, socket = ApiClient(other_stack.base_url, token), LiveClient(other_stack.base_url, token)
    try:
        accepted = api.chat("Tell me a story", stream=True).body
        completed = socket.end_of(accepted["conversation_id"])
        assert completed["reply"]["content"] == STORY
        assert completed["reply"]["status"] == "ok"
        assert completed["reply"]["finish_reason"] == "stop"
        assert completed["usage"] == {
            "prompt_tokens": 11,
            "completion_tokens": 23,
            "total_tokens": 34,
            "reasoning_tokens": 0,
        }
        assert socket.text_of(accepted["turn_id"]) == STORY
        assert len(socket.of_type("turn.delta")) >= 2
    finally:
        socket.close()
    sent = sent_for(server, "Tell me a story")
    assert sent["model"] == MODEL
    assert "max_tokens" not in sent and "temperature" not in sent
    assert sent["max_completion_tokens"] > 1024  # the answer's budget plus the reasoning's
    assert sent["reasoning_effort"] == "low"


def test_an_effort_the_model_does_not_take_is_sent_as_the_next_it_does(
    other_stack: Any, server: SecondServer
) -> None:
    api = ApiClient(other_stack.base_url, other_stack.token("second-server-concise"))
    turn = api.chat("Be brief EFFORT_CHECK", agent_type="concise")
    assert turn.status == 201, turn.body
    assert sent_for(server, "EFFORT_CHECK")["reasoning_effort"] == "low"  # "minimal" asked


def test_an_error_event_mid_stream_keeps_the_text_as_incomplete(other_stack: Any) -> None:
    api = ApiClient(other_stack.base_url, other_stack.token("second-server-failure"))
    turn = api.chat("FAIL_MID_STREAM please")
    assert turn.status == 201, turn.body
    reply = turn.body["reply"]
    assert (reply["status"], reply["content"]) == ("incomplete", STORY[:15])
    assert reply["finish_reason"] == "error"


@pytest.mark.parametrize(
    ("marker", "finish_reason"), [("CUT_AT_LENGTH", "length"), ("FILTERED", "content_filter")]
)
def test_a_reply_the_model_cut_short_is_kept_and_marked(
    other_stack: Any, marker: str, finish_reason: str
) -> None:
    api = ApiClient(other_stack.base_url, other_stack.token(f"second-server-{marker}"))
    turn = api.chat(f"Tell me a story {marker}")
    assert turn.status == 201, turn.body
    reply = turn.body["reply"]
    assert reply["status"] == "incomplete"
    assert reply["finish_reason"] == finish_reason
    assert reply["content"] and STORY.startswith(reply["content"])
    stored = api.get(f"/v1/conversations/{turn.body['conversation_id']}").body["messages"][-1]
    assert (stored["status"], stored["finish_reason"]) == ("incomplete", finish_reason)


def test_emoji_halves_split_across_chunks_are_joined(other_stack: Any) -> None:
    token = other_stack.token("second-server-surrogates")
    api, socket = ApiClient(other_stack.base_url, token), LiveClient(other_stack.base_url, token)
    try:
        accepted = api.chat("SPLIT_SURROGATES", stream=True).body
        completed = socket.end_of(accepted["conversation_id"])
        assert completed["type"] == "turn.completed", completed
        assert completed["reply"]["content"] == SPLIT_TEXT
        assert completed["reply"]["status"] == "ok"
        assert socket.text_of(accepted["turn_id"]) == SPLIT_TEXT
    finally:
        socket.close()
    messages = api.get(f"/v1/conversations/{accepted['conversation_id']}").body["messages"]
    assert messages[-1]["content"] == SPLIT_TEXT


def test_reasoning_is_streamed_stored_and_never_sent_back(
    other_stack: Any, server: SecondServer
) -> None:
    token = other_stack.token("second-server-thinker")
    api, socket = ApiClient(other_stack.base_url, token), LiveClient(other_stack.base_url, token)
    try:
        accepted = api.chat("THINK first", stream=True).body
        completed = socket.end_of(accepted["conversation_id"])
        assert socket.reasoning_of(accepted["turn_id"]) == THOUGHTS
        assert socket.text_of(accepted["turn_id"]) == STORY
    finally:
        socket.close()
    reply = completed["reply"]
    assert (reply["content"], reply["reasoning"]) == (STORY, THOUGHTS)
    assert completed["usage"]["reasoning_tokens"] > 0
    conversation_id = accepted["conversation_id"]
    stored = api.get(f"/v1/conversations/{conversation_id}").body["messages"][-1]
    assert stored["reasoning"] == THOUGHTS
    follow_up = api.chat("And then? SECOND_TURN", conversation_id=conversation_id)
    assert follow_up.status == 200, follow_up.body
    history = sent_for(server, "SECOND_TURN")["messages"]
    assert any(m["content"] == STORY for m in history)
    assert not any(THOUGHTS in str(m["content"]) for m in history)


def test_a_client_that_joins_mid_thinking_gets_the_reasoning_so_far(other_stack: Any) -> None:
    token = other_stack.token("second-server-rejoin")
    api = ApiClient(other_stack.base_url, token)
    first = LiveClient(other_stack.base_url, token)
    try:
        accepted = api.chat("SLOW_THINK THINK", stream=True).body
        turn_id = accepted["turn_id"]
        first.wait_for(lambda e: e["type"] == "turn.reasoning" and e["offset"] >= 6)
        late = LiveClient(other_stack.base_url, token)  # a reload while the model thinks
    finally:
        first.close()  # (the old page's socket goes; its close may take a while)
    try:
        started = late.wait_for(lambda e: e["type"] == "turn.started" and e["turn_id"] == turn_id)
        assert started["started_at"].endswith("Z")
        assert late.wait_for(lambda e: e["type"] == "turn.reasoning")["offset"] == 0
        late.end_of(accepted["conversation_id"])
        assert late.reasoning_of(turn_id) == THOUGHTS
    finally:
        late.close()


def test_a_model_that_refuses_the_request_is_a_configuration_error(other_stack: Any) -> None:
    api = ApiClient(other_stack.base_url, other_stack.token("second-server-bad-key"))
    turn = api.chat("BAD_KEY please")
    assert turn.status == 502, turn.body
    assert turn.body["error"]["code"] == "agent_misconfigured"
    assert "retry-after" not in {k.lower() for k in turn.headers}
    conversation_id = turn.body["conversation_id"]
    kept = api.get(f"/v1/conversations/{conversation_id}").body["messages"]
    assert [(m["content"], m["status"]) for m in kept] == [("BAD_KEY please", "failed")]
    assert any(BAD_KEY_MESSAGE in line for line in other_stack.log), "the operator's log says why"


def test_a_stream_without_a_usage_chunk_is_counted_by_estimate(other_stack: Any) -> None:
    api = ApiClient(other_stack.base_url, other_stack.token("second-server-no-usage"))
    turn = api.chat("NO_USAGE story")
    assert turn.status == 201, turn.body
    assert turn.body["reply"]["content"] == STORY
    assert turn.body["usage"]["completion_tokens"] > 0


def test_a_reply_larger_than_a_stored_reply_can_be_is_kept_up_to_the_bound(
    other_stack: Any,
) -> None:
    api = ApiClient(other_stack.base_url, other_stack.token("second-server-huge"))
    turn = api.chat("HUGE please")
    assert turn.status == 201, turn.body
    reply = turn.body["reply"]
    assert (reply["status"], reply["finish_reason"]) == ("incomplete", "length")
    assert reply["content"] == "x" * MAX_REPLY_BYTES
    conversation_id = turn.body["conversation_id"]
    stored = api.get(f"/v1/conversations/{conversation_id}").body["messages"][-1]
    assert len(stored["content"]) == MAX_REPLY_BYTES
    refused = api.post(f"/v1/conversations/{conversation_id}/continue", {})
    assert (refused.status, refused.error_code()) == (409, "nothing_to_continue")
    assert api.chat("And a short one", conversation_id).status == 200  # the conversation goes on


def test_tool_calls_interleaved_in_fragments_are_joined_and_answered(
    other_stack: Any, server: SecondServer
) -> None:
    api = ApiClient(other_stack.base_url, other_stack.token("second-server-tools"))
    turn = api.chat("Use your TOOLS", agent_type="assistant")
    assert turn.status == 201, turn.body
    calls = turn.body["reply"]["tool_calls"]
    assert [(c["id"], c["name"], c["arguments"], c["error"]) for c in calls] == [
        (call_id, name, arguments, name == "calculator" and not arguments.startswith('{"'))
        for call_id, name, arguments in TOOL_CALLS
    ]
    assert '"result": 14' in calls[0]["output"]
    assert "America/New_York" in calls[1]["output"]
    assert calls[2]["output"].startswith("Invalid arguments")
    assert turn.body["reply"]["content"].startswith("Outputs: ")
    assert '"result": 14' in turn.body["reply"]["content"]
    # Asked again with the calls and one tool message per call, in the calls' order (the
    # conversation's title may be asked of the model after it: not that request).
    again = next(
        r for r in reversed(server.requests) if any(m["role"] == "tool" for m in r["messages"])
    )
    assert [m["role"] for m in again["messages"][-4:]] == ["assistant", "tool", "tool", "tool"]
    assert [c["id"] for c in again["messages"][-4]["tool_calls"]] == ["call_1", "call_2", "call_3"]
