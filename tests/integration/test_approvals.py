"""Approvals through the local stack: a tool that needs the user's approval (the lab's
``erase``, tests/support/mcp_lab.py) pauses the turn; the owner's decision resumes it
in a new worker, a rejection's reason reaches the model, and a new message, Stop or
another user can never make it run."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from local.testing import running_stack
from tests.integration.conftest import stack_environment
from tests.support.api_client import ApiClient
from tests.support.live_client import LiveClient
from tests.support.mcp_lab import Lab

ASK = '[stub:tool=echo {"text": "a"}] [stub:tool=erase {"what": "the drafts"}]'


def paused(client: ApiClient, lab: Lab) -> tuple[str, dict[str, Any]]:
    before = lab.calls.count("erase")
    turn = client.chat(f"Clean up {ASK}", agent_type="lab")
    assert turn.status == 201, turn.body
    reply = turn.body["reply"]
    assert (reply["status"], reply["finish_reason"]) == ("awaiting_approval", "awaiting_approval")
    assert [(c["name"], c["approval"]) for c in reply["tool_calls"]] == [
        ("echo", None),
        ("erase", "pending"),
    ]
    assert reply["tool_calls"][0]["output"] == "a"  # the step's other call ran
    assert reply["approval_expires_at"]
    assert lab.calls.count("erase") == before  # nothing runs unapproved
    assert waiting(client, turn.body["conversation_id"])  # the sidebar says so
    return turn.body["conversation_id"], reply


def waiting(client: ApiClient, conversation_id: str) -> bool:
    """The conversation reads as waiting for approval in the list."""
    listed = client.get("/v1/conversations").body["items"]
    [conversation] = [c for c in listed if c["id"] == conversation_id]
    return conversation["awaiting_approval_until"] is not None


def decide(client: ApiClient, conversation_id: str, call_id: str, **decision: Any) -> Any:
    return client.post(
        f"/v1/conversations/{conversation_id}/approval",
        {"decisions": [{"call_id": call_id, **decision}]},
    )


def test_approving_runs_the_call_and_the_turn_goes_on_in_the_same_reply(
    alice: ApiClient, lab: Lab
) -> None:
    conversation_id, reply = paused(alice, lab)
    erase = reply["tool_calls"][1]["id"]
    before = lab.calls.count("erase")
    resumed = decide(alice, conversation_id, erase, approve=True)
    assert resumed.status == 200, resumed.body
    done = resumed.body["reply"]
    assert (done["status"], done["seq"], done["version"]) == ("ok", reply["seq"], reply["version"])
    assert [(c["name"], c["approval"], c["output"]) for c in done["tool_calls"]] == [
        ("echo", None, "a"),
        ("erase", "approved", "erased the drafts"),
    ]
    assert done["approval_expires_at"] is None
    assert lab.calls.count("erase") == before + 1
    assert not waiting(alice, conversation_id)
    # The model read both outputs, the earlier step's whole, and answered.
    assert done["content"] == "Tool results: echo: a; erase: erased the drafts"
    stored = alice.get(f"/v1/conversations/{conversation_id}").body["messages"]
    assert [m["status"] for m in stored] == ["ok", "ok"]
    again = decide(alice, conversation_id, erase, approve=True)
    assert (again.status, again.error_code()) == (409, "nothing_to_approve")
    assert lab.calls.count("erase") == before + 1


def test_a_rejection_with_a_reason_reaches_the_model_and_nothing_runs(
    alice: ApiClient, lab: Lab, live: Callable[[], LiveClient]
) -> None:
    conversation_id, reply = paused(alice, lab)
    erase = reply["tool_calls"][1]["id"]
    before = lab.calls.count("erase")
    socket = live()
    resumed = alice.post(
        f"/v1/conversations/{conversation_id}/approval",
        {
            "decisions": [{"call_id": erase, "approve": False, "reason": "keep them"}],
            "stream": True,
        },
    )
    assert resumed.status == 202, resumed.body
    done = socket.end_of(conversation_id)["reply"]
    call = done["tool_calls"][1]
    assert (call["approval"], call["error"]) == ("rejected", True)
    assert call["output"] == "Not run: the user rejected this call. Reason: keep them"
    assert "Reason: keep them" in done["content"]
    assert lab.calls.count("erase") == before


def test_only_the_owner_decides_and_only_every_pending_call_at_once(
    alice: ApiClient, mallory: ApiClient, lab: Lab
) -> None:
    conversation_id, reply = paused(alice, lab)
    erase = reply["tool_calls"][1]["id"]
    stolen = decide(mallory, conversation_id, erase, approve=True)
    assert stolen.status in (403, 404), stolen.body
    wrong = decide(alice, conversation_id, "call_nope", approve=True)
    assert (wrong.status, wrong.error_code()) == (400, "invalid_request")
    echo = reply["tool_calls"][0]["id"]
    assert decide(alice, conversation_id, echo, approve=True).status == 400  # not pending
    # Still waiting, untouched.
    last = alice.get(f"/v1/conversations/{conversation_id}").body["messages"][-1]
    assert (last["status"], last["tool_calls"][1]["approval"]) == ("awaiting_approval", "pending")
    assert decide(alice, conversation_id, erase, approve=False).status == 200


def test_a_new_message_moves_on_and_stop_settles_a_pause(alice: ApiClient, lab: Lab) -> None:
    conversation_id, reply = paused(alice, lab)
    erase = reply["tool_calls"][1]["id"]
    before = lab.calls.count("erase")
    moved_on = alice.chat("Never mind [stub:echo]", conversation_id)
    assert moved_on.status == 200, moved_on.body
    late = decide(alice, conversation_id, erase, approve=True)
    assert (late.status, late.error_code()) == (409, "nothing_to_approve")
    assert not waiting(alice, conversation_id)

    again, paused_reply = paused(alice, lab)
    stop = alice.post(f"/v1/conversations/{again}/stop")
    assert (stop.status, stop.body["status"], stop.body["turn_id"]) == (202, "stopped", None)
    last = alice.get(f"/v1/conversations/{again}").body["messages"][-1]
    assert (last["status"], last["tool_calls"][1]["approval"]) == ("stopped", "rejected")
    assert not waiting(alice, again)
    assert last["tool_calls"][1]["output"] == "Not run: the user stopped the turn."
    assert decide(alice, again, paused_reply["tool_calls"][1]["id"], approve=True).status == 409
    assert alice.post(f"/v1/conversations/{again}/stop").error_code() == "no_turn_in_progress"
    assert lab.calls.count("erase") == before


@pytest.fixture(scope="module")
def hasty_stack(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A stack of its own whose replies wait three seconds for an approval."""
    env = stack_environment(lab, tmp_path_factory.mktemp("hasty"))
    with running_stack(env={**env, "APPROVAL_WAIT_SECONDS": "3"}) as running:
        yield running


def test_a_decision_after_the_wait_is_a_rejection_the_model_is_told_of(
    hasty_stack: Any, lab: Lab
) -> None:
    client = ApiClient(hasty_stack.base_url, hasty_stack.token("hasty-approver"))
    conversation_id, reply = paused(client, lab)
    before = lab.calls.count("erase")
    time.sleep(3.5)
    assert not waiting(client, conversation_id)  # the list no longer shows it waiting
    late = decide(client, conversation_id, reply["tool_calls"][1]["id"], approve=True)
    assert late.status == 200, late.body
    erase = late.body["reply"]["tool_calls"][1]
    assert (erase["approval"], erase["output"]) == (
        "rejected",
        "Not run: the user rejected this call. Reason: "
        "The request for approval expired after the time allowed.",
    )
    assert lab.calls.count("erase") == before
