"""The pieces of a paused turn: its saved state, the decisions a request makes, and
what the model reads of a call nobody decided."""

from __future__ import annotations

import base64
import os

import pytest

from chat_core.agent.history import UNDECIDED_OUTPUT, PromptMessage, PromptToolCall, build_prompt
from chat_core.approval_models import ApprovalDecision, ApprovalRequest
from chat_core.errors import InvalidRequest
from chat_core.repository.records import Approval, MessageRecord, ToolStep
from chat_core.repository.turn_kinds import LOST_OUTPUT, Decision, Resume
from chat_core.services.paused_turns import EXPIRED_REASON, MAX_STATE_BYTES, freeze, thaw
from chat_core.services.rewrites import _decisions
from chat_core.services.tool_steps import _answered_in_order


def step_messages(output: str) -> list[PromptMessage]:
    return [
        PromptMessage("assistant", "Let me look.", (PromptToolCall("a", "echo", '{"t": 1}'),)),
        PromptMessage("tool", output, tool_call_id="a"),
    ]


def test_the_state_comes_back_as_it_was_and_a_huge_one_is_cut_to_fit() -> None:
    messages = step_messages("ok ✓")
    assert thaw(freeze(messages)) == messages
    noise = base64.b64encode(os.urandom(200_000)).decode()  # does not compress
    state = freeze(step_messages(noise))
    assert len(state) <= MAX_STATE_BYTES
    back = thaw(state)
    assert back[0] == messages[0]
    assert back[1].content.startswith(noise[:1000]) and len(back[1].content) < len(noise)


def reply_with(*steps: ToolStep) -> MessageRecord:
    return MessageRecord(
        "r",
        "c",
        2,
        "assistant",
        "",
        created_ms=1_000,
        status="awaiting_approval",
        tool_calls=steps,
    )


PENDING = ToolStep("b", "erase", "{}", "Waiting for your approval.", approval=Approval.PENDING)
RAN = ToolStep("a", "echo", "{}", "a")


def request(*decisions: tuple[str, bool]) -> ApprovalRequest:
    return ApprovalRequest(
        decisions=[ApprovalDecision(call_id=c, approve=ok, reason="no") for c, ok in decisions]
    )


def test_a_request_decides_every_pending_call_once_and_late_is_a_rejection() -> None:
    reply = reply_with(RAN, PENDING)
    [decided] = _decisions(reply, request(("b", True)), expired=False)
    assert (decided.call_id, decided.approved) == ("b", True)
    for wrong in (request(("a", True)), request(("b", True), ("b", False)), request(("x", True))):
        with pytest.raises(InvalidRequest):
            _decisions(reply, wrong, expired=False)
    [late] = _decisions(reply, request(("b", True)), expired=True)
    assert (late.approved, late.reason) == (False, EXPIRED_REASON)


def test_a_call_nobody_decided_reads_as_not_run_in_later_history() -> None:
    user = MessageRecord("u", "c", 1, "user", "clean up", created_ms=1)
    nxt = MessageRecord("n", "c", 3, "user", "never mind", created_ms=3)
    prompt = build_prompt("sys", [nxt, reply_with(RAN, PENDING), user], 6000)
    outputs = {m.tool_call_id: m.content for m in prompt if m.tool_call_id}
    assert outputs == {"a": "a", "b": UNDECIDED_OUTPUT}


def test_a_resumed_step_answers_every_call_in_the_order_the_model_made_them() -> None:
    calls = tuple(
        PromptToolCall(i, n, "{}") for i, n in (("g1", "erase"), ("c", "echo"), ("g2", "erase"))
    )
    saved = [
        PromptMessage("assistant", "", calls),
        PromptMessage("tool", "c ran", tool_call_id="c"),
    ]
    answers = {
        "g2": PromptMessage("tool", "no", tool_call_id="g2"),
        "g1": PromptMessage("tool", "yes", tool_call_id="g1"),
    }
    resumed = _answered_in_order(saved, answers)
    assert [(m.tool_call_id, m.content) for m in resumed[1:]] == [
        ("g1", "yes"),
        ("c", "c ran"),
        ("g2", "no"),
    ]


def test_a_failed_resume_leaves_a_reply_that_can_never_run_its_calls_again() -> None:
    other = ToolStep("d", "erase", "{}", "Waiting for your approval.", approval=Approval.PENDING)
    kind = Resume(
        reply_with(RAN, PENDING, other),
        (Decision("b", approved=True), Decision("d", approved=False, reason="no")),
    )
    left = kind.abandoned()
    assert (left.status, left.finish_reason, left.resume_state) == ("incomplete", "error", None)
    assert [(s.approval, s.output) for s in left.tool_calls] == [
        (None, "a"),
        (Approval.APPROVED, LOST_OUTPUT),
        (Approval.REJECTED, "Not run: the user rejected this call. Reason: no"),
    ]
