"""Remote MCP tools through the local stack: make dev's notes server (the shipped
"notes" agent type) and the tests' lab server ("lab", tests/support/mcp_lab.py), each a
real MCP server over streamable HTTP, reached by the worker with the SDK's client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.support.api_client import ApiClient
from tests.support.live_client import LiveClient
from tests.support.mcp_lab import Lab


def outcomes(reply: dict[str, Any]) -> list[tuple[str, bool, str]]:
    return [(c["name"], c["error"], c["output"]) for c in reply["tool_calls"]]


def test_the_notes_agent_lists_notes_and_writes_one_once_approved(alice: ApiClient) -> None:
    listed = alice.chat("What did I save? [stub:tool=list_notes {}]", agent_type="notes")
    assert listed.status == 201, listed.body
    [(name, error, output)] = outcomes(listed.body["reply"])
    assert (name, error) == ("list_notes", False)
    assert output == "There are no notes yet." or output.startswith("1. ")
    assert listed.body["reply"]["content"].startswith("Tool results: list_notes: ")
    # add_note needs the user's approval: the turn pauses, and the note is saved once
    # the user approves.
    added = alice.chat(
        'Remember milk [stub:tool=add_note {"text": "milk"}]',
        conversation_id=listed.body["conversation_id"],
    )
    assert added.status == 200, added.body
    [call] = added.body["reply"]["tool_calls"]
    assert (call["name"], call["approval"]) == ("add_note", "pending")
    approved = alice.post(
        f"/v1/conversations/{listed.body['conversation_id']}/approval",
        {"decisions": [{"call_id": call["id"], "approve": True}]},
    )
    assert approved.status == 200, approved.body
    [(name, error, output)] = outcomes(approved.body["reply"])
    assert (name, error) == ("add_note", False)
    assert output.startswith("Saved note ") and output.endswith(": milk")


def test_mcp_tools_run_in_parallel_and_every_failure_is_an_output_the_model_reads(
    alice: ApiClient, live: Callable[[], LiveClient], lab: Lab
) -> None:
    socket = live()
    message = (
        '[stub:tool=echo {"text": "hi", "times": 2}] [stub:tool=broken {}] '
        '[stub:tool=slow {"seconds": 30}] [stub:tool=echo {"times": "x"}]'
    )
    accepted = alice.chat(message, agent_type="lab", stream=True)
    assert accepted.status == 202, accepted.body
    completed = socket.end_of(accepted.body["conversation_id"])
    assert completed["type"] == "turn.completed", completed
    reply = completed["reply"]
    got = outcomes(reply)
    assert [(name, error) for name, error, _ in got] == [
        ("echo", False),
        ("broken", True),
        ("slow", True),
        ("echo", True),
    ]
    assert got[0][2] == "hi hi"
    assert "the lab's store is offline" in got[1][2]
    assert "did not answer" in got[2][2]
    assert got[3][2].startswith("Invalid arguments: ")
    # The unreachable server is named to the clients, and the reply goes on.
    [gone] = socket.of_type("turn.tool_source_unavailable")
    assert (gone["source"], gone["reason"]) == ("gone", "it cannot be reached")
    assert reply["content"].startswith("Tool results: echo: hi hi")
    assert reply["status"] == "ok"


def test_a_second_tab_joins_mid_tool_and_stop_ends_the_wait(
    alice: ApiClient, live: Callable[[], LiveClient], lab: Lab
) -> None:
    first = live()
    accepted = alice.chat('[stub:tool=slow {"seconds": 5.5}]', agent_type="lab", stream=True)
    assert accepted.status == 202, accepted.body
    conversation_id = accepted.body["conversation_id"]
    call = first.wait_for(lambda e: e["type"] == "turn.tool_call")
    # A reload (a new connection) while the tool runs sees the call so far.
    second = live()
    replayed = second.wait_for(lambda e: e["type"] == "turn.tool_call", timeout=10)
    assert (replayed["call_id"], replayed["name"]) == (call["call_id"], "slow")
    assert second.of_type("turn.tool_result") == []
    stop = alice.post(f"/v1/conversations/{conversation_id}/stop")
    assert stop.status == 202, stop.body
    completed = first.end_of(conversation_id, timeout=10)
    reply = completed["reply"]
    assert reply["status"] == "stopped"
    [(name, error, output)] = outcomes(reply)
    assert (name, error) == ("slow", True)
    assert output == "The user stopped the turn before this tool finished."
    assert second.end_of(conversation_id, timeout=10)["reply"]["status"] == "stopped"
    assert "slow" in lab.calls
