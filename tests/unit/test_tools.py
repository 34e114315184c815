"""The agent's tools: the calculator's safety, how calls run (in parallel, bounded in
time, checked first), and a turn that calls tools, stores them and streams them."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from pydantic import BaseModel

from chat_core.agent.model_port import Finished, FinishReason, ModelPiece, ToolCallDelta
from chat_core.models import ChatRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.services.conversation_reader import ConversationReader
from chat_core.tools.arithmetic import NotArithmetic, evaluate
from chat_core.tools.builtin import BUILTIN_TOOLS
from chat_core.tools.calls import MAX_OUTPUT_TO_MODEL_BYTES, ToolCall, ToolOutcome
from chat_core.tools.runner import STOPPED_OUTPUT, run_tools
from chat_core.tools.spec import ToolContext, ToolFailed, ToolSpec
from tests.support.fakes import FakeModel, ManualClock
from tests.support.turns import InProcessTurn
from tests.unit.test_turn_runner import RecordingPoster, fast_settings


def test_the_calculator_computes_arithmetic_and_nothing_else() -> None:
    assert evaluate("2 * (3 + 4) - 10 / 4") == 11.5
    assert evaluate("2^10 + sqrt(16) + max(1, 7)") == 1035
    for hostile in (
        "__import__('os').system('true')",
        "open('/etc/passwd')",
        "(1).__class__",
        "2 ** 100000",
        "9 ** 9 ** 9",
        "[1] * 10",
        "True + 1",
        "x",
        "1 / 0",
        "1" * 600,
    ):
        with pytest.raises(NotArithmetic):
            evaluate(hostile)


class Wait(BaseModel):
    seconds: float = 0.0


def context(repo: Any = None, sub: str = "alice") -> ToolContext:
    return ToolContext(sub=sub, conversation_id="c", now_ms=1_790_000_000_000, repo=repo)


def test_calls_run_together_each_bounded_and_checked_first() -> None:
    together = threading.Barrier(3, timeout=5)

    def meet(_: Wait, __: ToolContext) -> str:
        together.wait()  # only returns when three calls run at the same time
        return "met"

    def hang(arguments: Wait, _: ToolContext) -> str:
        time.sleep(arguments.seconds)
        return "late"

    def broken(_: Wait, __: ToolContext) -> str:
        raise KeyError("a bug")

    def refuses(_: Wait, __: ToolContext) -> str:
        raise ToolFailed("nothing found")

    tools = {
        "meet": ToolSpec("meet", "", Wait, meet),
        "hang": ToolSpec("hang", "", Wait, hang, timeout_seconds=0.2),
        "broken": ToolSpec("broken", "", Wait, broken),
        "refuses": ToolSpec("refuses", "", Wait, refuses),
    }
    calls = [
        ToolCall("1", "meet", "{}"),
        ToolCall("2", "meet", ""),
        ToolCall("3", "meet", '{"seconds": 0}'),
        ToolCall("4", "hang", '{"seconds": 3}'),
        ToolCall("5", "broken", "{}"),
        ToolCall("6", "refuses", "{}"),
        ToolCall("7", "meet", '{"seconds": "soon"}'),
        ToolCall("8", "meet", "{not json"),
        ToolCall("9", "nowhere", "{}"),
        ToolCall("10", "meet", '{"seconds": 0, "pad": "' + "x" * 20_000 + '"}'),
    ]
    outcomes, stopped = run_tools(
        calls, tools, context(), interrupted=lambda: False, poll_seconds=0.05
    )
    assert not stopped
    by_id = {o.call.call_id: o for o in outcomes}
    assert [o.call.call_id for o in outcomes] == [c.call_id for c in calls]
    assert [by_id[i].output for i in "123"] == ["met"] * 3 and not by_id["1"].error
    assert by_id["4"].error and "within 0.2 s" in by_id["4"].output
    assert by_id["5"].error and by_id["5"].output == "The tool failed: KeyError."
    assert by_id["6"].error and by_id["6"].output == "The tool failed: nothing found"
    assert by_id["7"].error and by_id["7"].output.startswith("Invalid arguments: seconds")
    assert by_id["8"].error and by_id["8"].output.startswith("Invalid arguments")
    assert by_id["9"].error and by_id["9"].output == "There is no tool named 'nowhere'."
    assert by_id["10"].error and "longer than 16000 bytes" in by_id["10"].output


def test_a_stop_ends_the_wait_for_a_running_tool() -> None:
    def hang(_: Wait, __: ToolContext) -> str:
        time.sleep(2)
        return "late"

    polls: list[int] = []

    def stop_on_second_poll() -> bool:
        polls.append(1)
        return len(polls) >= 2

    outcomes, stopped = run_tools(
        [ToolCall("1", "hang", "{}")],
        {"hang": ToolSpec("hang", "", Wait, hang)},
        context(),
        interrupted=stop_on_second_poll,
        poll_seconds=0.05,
    )
    assert stopped and outcomes[0].error and outcomes[0].output == STOPPED_OUTPUT


def test_a_long_output_reaches_the_model_as_head_and_tail() -> None:
    output = "head " + "x" * 50_000 + " tail"
    seen = ToolOutcome(ToolCall("1", "t", "{}"), output, False, 1).for_model()
    assert len(seen.encode()) <= MAX_OUTPUT_TO_MODEL_BYTES
    assert seen.startswith("head ") and seen.endswith(" tail") and "left out" in seen


def calls_then_answer(*calls: tuple[str, str, str]) -> list[list[ModelPiece]]:
    """A model that calls ``calls`` (id, name, JSON arguments, each split in two
    fragments) in one step, then answers."""
    step: list[ModelPiece] = []
    for index, (call_id, name, arguments) in enumerate(calls):
        middle = len(arguments) // 2
        step.append(ToolCallDelta(index, call_id, name, arguments[:middle]))
        step.append(ToolCallDelta(index, None, None, arguments[middle:]))
    step.append(Finished(FinishReason.TOOL_CALLS))
    return [step, ["The answer ", "is 42."]]


def test_a_turn_calls_tools_stores_them_streams_them_and_remembers_them(
    repo: DynamoChatRepository, clock: ManualClock, reader: ConversationReader
) -> None:
    model = FakeModel(
        steps=calls_then_answer(
            ("a", "calculator", '{"expression": "6 * 7"}'),
            ("b", "current_time", '{"time_zone": "Europe/Paris"}'),
        )
    )
    poster = RecordingPoster()
    repo.add_connection("alice", "tab", 0, 2**31)
    turn = InProcessTurn(repo, model, fast_settings(), poster=poster, clock=clock)
    outcome = turn.run("alice", ChatRequest(message="what is 6*7?", agent_type="assistant"))
    reply = outcome.response.reply
    assert reply.content == "The answer is 42."
    assert [(c.id, c.name, c.error, c.step) for c in reply.tool_calls] == [
        ("a", "calculator", False, 1),
        ("b", "current_time", False, 1),
    ]
    assert json.loads(reply.tool_calls[0].output)["result"] == 42
    assert json.loads(reply.tool_calls[1].output)["time_zone"] == "Europe/Paris"
    # Offered the tools, then asked again with the call and both outputs.
    assert model.offered[0] == list(BUILTIN_TOOLS)
    second = model.prompts[1]
    assert [m.role for m in second[-3:]] == ["assistant", "tool", "tool"]
    assert [c.name for c in second[-3].tool_calls] == ["calculator", "current_time"]
    assert second[-2].tool_call_id == "a" and '"result": 42' in second[-2].content
    # The tabs saw each call and its result before the text.
    kinds = [e["type"] for e in poster.received["tab"]]
    assert (
        kinds.index("turn.tool_call") < kinds.index("turn.tool_result") < kinds.index("turn.delta")
    )
    # Stored: a reload reads them; the next turn's model sees them in its history.
    stored = repo.latest_messages("alice", outcome.response.conversation_id, 1)[0]
    assert [s.name for s in stored.tool_calls] == ["calculator", "current_time"]
    exported = reader.export_part("alice", outcome.response.conversation_id, "markdown", None)
    assert "> **Tool** `calculator`" in (exported.markdown or "")
    assert '"result": 42' in (exported.markdown or "")
    model.steps = [["Noted."]]
    turn.run(
        "alice",
        ChatRequest(message="thanks", conversation_id=outcome.response.conversation_id),
    )
    history = model.prompts[-1]
    called = [m for m in history if m.tool_calls]
    assert [c.call_id for c in called[0].tool_calls] == ["a", "b"]
    assert [m.tool_call_id for m in history if m.tool_call_id] == ["a", "b"]


def test_at_the_step_bound_the_model_answers_without_tools(
    repo: DynamoChatRepository, clock: ManualClock
) -> None:
    again: list[ModelPiece] = [
        ToolCallDelta(0, None, "calculator", '{"expression": "1 + 1"}'),
        Finished(FinishReason.TOOL_CALLS),
    ]
    model = FakeModel(steps=[list(again) for _ in range(10)] + [["Enough: 2."]])
    turn = InProcessTurn(repo, model, fast_settings(), clock=clock)
    reply = turn.run("alice", ChatRequest(message="loop", agent_type="assistant")).response.reply
    assert reply.content == "Enough: 2." and reply.status == "ok"
    assert len(reply.tool_calls) == 10 and {c.step for c in reply.tool_calls} == set(range(1, 11))
    assert [bool(o) for o in model.offered] == [True] * 10 + [False]


def test_recall_reads_only_the_callers_own_conversations(
    repo: DynamoChatRepository, clock: ManualClock
) -> None:
    plain = InProcessTurn(repo, FakeModel(), fast_settings(), clock=clock)
    bobs = plain.run("bob", ChatRequest(message="Bob's secret plan")).response.conversation_id
    alices = plain.run("alice", ChatRequest(message="Alice's own plan")).response
    model = FakeModel(
        steps=calls_then_answer(
            ("r1", "read_conversation", json.dumps({"conversation_id": bobs})),
            ("s1", "search_conversations", '{"query": "plan"}'),
            ("r2", "read_conversation", json.dumps({"conversation_id": alices.conversation_id})),
        )
    )
    turn = InProcessTurn(repo, model, fast_settings(), clock=clock)
    reply = turn.run("alice", ChatRequest(message="recall", agent_type="assistant")).response.reply
    read_bobs, search, read_own = reply.tool_calls
    assert read_bobs.error and "no conversation with this id" in read_bobs.output
    assert bobs not in search.output and "Bob" not in search.output
    assert [c["conversation_id"] for c in json.loads(search.output)] == [alices.conversation_id]
    assert not read_own.error and "Alice's own plan" in read_own.output


def test_the_time_tool_answers_in_the_users_time_zone_when_the_client_sent_it(
    repo: DynamoChatRepository, clock: ManualClock
) -> None:
    steps = calls_then_answer(
        ("t", "current_time", "{}"), ("u", "current_time", '{"time_zone": "UTC"}')
    )
    turn = InProcessTurn(repo, FakeModel(steps=steps), fast_settings(), clock=clock)
    request = ChatRequest(message="time?", agent_type="assistant", time_zone="Asia/Tokyo")
    mine, utc = turn.run("alice", request).response.reply.tool_calls
    assert json.loads(mine.output)["time_zone"] == "Asia/Tokyo"
    assert json.loads(mine.output)["now"].endswith("+09:00")
    assert json.loads(utc.output)["now"].endswith("+00:00")
