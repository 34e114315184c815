"""An agent that acts, through the local gateway and the stub model (which streams tool
calls as real servers do: arguments in fragments, several calls in one step, and
refuses a prompt whose tool messages do not answer its calls, as OpenAI does)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.support.api_client import ApiClient
from tests.support.live_client import LiveClient


def tool_calls(reply: dict[str, Any]) -> list[tuple[str, bool]]:
    return [(call["name"], call["error"]) for call in reply["tool_calls"]]


def test_tools_run_in_one_step_and_the_reply_shows_and_keeps_them(
    alice: ApiClient, live: Callable[[], LiveClient]
) -> None:
    socket = live()
    message = (
        'Compute [stub:tool=calculator {"expression": "6 * 7"}] '
        '[stub:tool=current_time {"time_zone": "Asia/Tokyo"}] '
        '[stub:tool=calculator {"expression": "1 / 0"}] '
        "[stub:tool=calculator {oops}]"
    )
    accepted = alice.chat(message, agent_type="assistant", stream=True)
    assert accepted.status == 202, accepted.body
    completed = socket.end_of(accepted.body["conversation_id"])
    reply = completed["reply"]
    assert tool_calls(reply) == [
        ("calculator", False),
        ("current_time", False),
        ("calculator", True),
        ("calculator", True),
    ]
    assert json.loads(reply["tool_calls"][0]["output"])["result"] == 42
    assert reply["tool_calls"][3]["output"].startswith("Invalid arguments")
    # The model read every output (the stub quotes them) and answered in a second step.
    assert reply["content"].startswith("Tool results: calculator: ")
    assert '"result": 42' in reply["content"] and "Asia/Tokyo" in reply["content"]
    # Live: each call and its result, then the text.
    calls = socket.of_type("turn.tool_call")
    results = socket.of_type("turn.tool_result")
    assert [c["name"] for c in calls] == ["calculator", "current_time", "calculator", "calculator"]
    assert [r["call_id"] for r in results] == [c["call_id"] for c in calls]
    assert {c["step"] for c in calls} == {1}
    # A reload reads them.
    stored = alice.get(f"/v1/conversations/{accepted.body['conversation_id']}").body
    assert tool_calls(stored["messages"][-1]) == tool_calls(reply)


def test_the_step_bound_ends_a_model_that_keeps_calling(alice: ApiClient) -> None:
    turn = alice.chat(
        '[stub:tool=calculator {"expression": "2 + 2"}] [stub:tool-loop]', agent_type="assistant"
    )
    assert turn.status == 201, turn.body
    reply = turn.body["reply"]
    assert len(reply["tool_calls"]) == 10
    assert [c["step"] for c in reply["tool_calls"]] == list(range(1, 11))
    assert reply["status"] == "ok" and reply["content"].startswith("Tool results:")


def test_a_later_turn_sends_the_earlier_calls_back_as_the_model_wants_them(
    alice: ApiClient,
) -> None:
    first = alice.chat('[stub:tool=calculator {"expression": "3 * 3"}]', agent_type="assistant")
    assert first.status == 201, first.body
    # The stub refuses (400) a prompt whose tool messages do not answer the calls before
    # them: a next turn that answers proves the history is in OpenAI's shape.
    second = alice.chat("And now?", conversation_id=first.body["conversation_id"])
    assert second.status == 200, second.body
    assert second.body["reply"]["tool_calls"] == []


def test_recall_never_reaches_another_users_conversation(
    alice: ApiClient, mallory: ApiClient
) -> None:
    secret = alice.chat("My secret recipe for bread").body["conversation_id"]
    probe = (
        f'[stub:tool=read_conversation {{"conversation_id": "{secret}"}}] '
        '[stub:tool=search_conversations {"query": "secret recipe"}]'
    )
    turn = mallory.chat(probe, agent_type="assistant")
    assert turn.status == 201, turn.body
    read, search = turn.body["reply"]["tool_calls"]
    assert read["error"] and "no conversation with this id" in read["output"]
    assert json.loads(search["output"]) == []
    assert "bread" not in json.dumps(turn.body)


def test_agent_types_without_tools_are_never_offered_any(alice: ApiClient) -> None:
    turn = alice.chat('[stub:tool=calculator {"expression": "1 + 1"}]')
    assert turn.status == 201, turn.body
    assert turn.body["reply"]["tool_calls"] == []
    assert turn.body["reply"]["content"].startswith("You said:")
