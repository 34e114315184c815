"""How a reply ended, stored and told: the model's finish reasons, a refusal that is the
operator's to fix, a stream nothing in which can crash the turn, reasoning, Continue."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chat_core.agent.history import CONTINUE_INSTRUCTION
from chat_core.agent.model_port import Finished, FinishReason, ModelUsage, ReasoningText
from chat_core.errors import AgentMisconfigured, NothingToContinue
from chat_core.live.connections import Delivery
from chat_core.models import ChatRequest, RegenerateRequest
from chat_core.replies import MAX_REPLY_BYTES
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.services.rewrites import Rewrites
from chat_core.settings import Settings
from tests.support.fakes import FakeModel, ManualClock
from tests.support.turns import InProcessTurn

CONTINUE = RegenerateRequest()


class Tab:
    """One open connection's events; ``explode_on`` raises inside the relay on the first
    delta holding that text (a bug anywhere on the posting path)."""

    def __init__(self, explode_on: str | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self._explode_on = explode_on

    def post(self, connection_id: str, data: bytes) -> Delivery:
        event = json.loads(data)
        if self._explode_on and self._explode_on in event.get("text", ""):
            self._explode_on = None
            raise RuntimeError("a bug on the posting path")
        self.events.append(event)
        return "delivered"

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == kind]


@pytest.fixture
def tab(repo: DynamoChatRepository) -> Tab:
    repo.add_connection("alice", "tab", 0, 2**31)
    return Tab()


def turn_with(
    repo: DynamoChatRepository, model: FakeModel, tab: Tab, clock: ManualClock
) -> InProcessTurn:
    settings = Settings(table_name="chat-unit", live_poll_seconds=0.05, stream_flush_ms=0)
    return InProcessTurn(repo, model, settings, poster=tab, clock=clock)


@pytest.mark.parametrize(
    ("finish", "ending"),
    [(FinishReason.LENGTH, "length"), (FinishReason.CONTENT_FILTER, "content_filter")],
)
def test_a_reply_the_model_cut_short_is_kept_and_says_why(
    repo: DynamoChatRepository, tab: Tab, clock: ManualClock, finish: FinishReason, ending: str
) -> None:
    model = FakeModel(script=["Half of ", "an answer", Finished(finish)])
    reply = turn_with(repo, model, tab, clock).run("alice", ChatRequest(message="hi")).response
    assert (reply.reply.content, reply.reply.status) == ("Half of an answer", "incomplete")
    assert reply.reply.finish_reason == ending
    stored = repo.latest_messages("alice", reply.conversation_id, 1)[0]
    assert (stored.status, stored.finish_reason) == ("incomplete", ending)
    assert tab.of_type("turn.completed")[0]["reply"]["finish_reason"] == ending


def test_a_finished_reply_reads_stop_and_stores_no_ending(
    repo: DynamoChatRepository, tab: Tab, clock: ManualClock
) -> None:
    model = FakeModel(script=["Whole.", Finished(FinishReason.STOP)])
    reply = turn_with(repo, model, tab, clock).run("alice", ChatRequest(message="hi")).response
    assert (reply.reply.status, reply.reply.finish_reason) == ("ok", "stop")
    assert repo.latest_messages("alice", reply.conversation_id, 1)[0].finish_reason is None


def test_a_model_that_refuses_the_request_is_the_operator_s_to_fix(
    repo: DynamoChatRepository, tab: Tab, clock: ManualClock
) -> None:
    model = FakeModel(refuse_with="model refused the request (HTTP 400): max_tokens")
    with pytest.raises(AgentMisconfigured) as refused:
        turn_with(repo, model, tab, clock).run("alice", ChatRequest(message="hi"))
    assert (refused.value.status, refused.value.retry_after) == (502, None)
    failed = tab.of_type("turn.failed")[0]
    assert failed["error"]["code"] == "agent_misconfigured"
    kept = repo.latest_messages("alice", failed["conversation_id"], 5)
    assert [(m.content, m.status) for m in kept] == [("hi", "failed")]


def test_emoji_halves_in_two_pieces_reach_the_tabs_and_storage_whole(
    repo: DynamoChatRepository, tab: Tab, clock: ManualClock
) -> None:
    model = FakeModel(script=["smile \ud83d", "\ude00 and a lone \ud83d"])
    reply = turn_with(repo, model, tab, clock).run("alice", ChatRequest(message="hi")).response
    assert reply.reply.content == "smile \U0001f600 and a lone \ufffd"
    assert reply.reply.status == "ok"
    streamed = "".join(e["text"] for e in tab.of_type("turn.delta"))
    assert streamed == reply.reply.content


def test_a_crash_mid_reply_keeps_the_text_so_far_with_the_real_reason(
    repo: DynamoChatRepository, clock: ManualClock
) -> None:
    repo.add_connection("alice", "tab", 0, 2**31)
    tab = Tab(explode_on="second")
    model = FakeModel(script=["first piece, ", "second piece"], pause_seconds=0.01)
    reply = turn_with(repo, model, tab, clock).run("alice", ChatRequest(message="hi")).response
    assert reply.reply.status == "incomplete"
    assert reply.reply.finish_reason == "error"
    assert reply.reply.content.startswith("first piece, ")
    completed = tab.of_type("turn.completed")[0]
    assert completed["error"]["code"] == "internal_error"  # not storage_unavailable
    assert model.streams[-1].closed.is_set(), "the model's stream was closed"


def test_reasoning_streams_apart_is_stored_and_never_sent_back(
    repo: DynamoChatRepository, tab: Tab, clock: ManualClock
) -> None:
    model = FakeModel(
        script=[
            ReasoningText("Let me "),
            ReasoningText("think."),
            "The answer.",
            ModelUsage(10, 30, reasoning_tokens=20),
        ]
    )
    turn = turn_with(repo, model, tab, clock)
    first = turn.run("alice", ChatRequest(message="hi")).response
    assert (first.reply.content, first.reply.reasoning) == ("The answer.", "Let me think.")
    assert first.usage.reasoning_tokens == 20
    assert "".join(e["text"] for e in tab.of_type("turn.reasoning")) == "Let me think."
    stored = repo.latest_messages("alice", first.conversation_id, 1)[0]
    assert (stored.reasoning, stored.reasoning_tokens) == ("Let me think.", 20)
    model.script = None
    turn.run("alice", ChatRequest(message="more", conversation_id=first.conversation_id))
    assert not any("think" in m.content for m in model.prompts[-1])


def cut_conversation(turn: InProcessTurn, model: FakeModel) -> str:
    model.script = ["The start of ", "a long answer", Finished(FinishReason.LENGTH)]
    conversation_id = turn.run("alice", ChatRequest(message="explain")).response.conversation_id
    model.script = None
    return conversation_id


def test_continue_appends_to_the_cut_reply_as_its_next_version(
    repo: DynamoChatRepository, tab: Tab, clock: ManualClock
) -> None:
    model = FakeModel()
    turn = turn_with(repo, model, tab, clock)
    conversation_id = cut_conversation(turn, model)
    model.script = [" and its end.", Finished(FinishReason.STOP)]
    Rewrites(turn, repo, clock=clock).continue_reply("alice", conversation_id, CONTINUE)
    prompt = model.prompts[-1]
    assert [(m.role, m.content) for m in prompt[-3:]] == [
        ("user", "explain"),
        ("assistant", "The start of a long answer"),
        ("user", CONTINUE_INSTRUCTION),
    ]
    messages = repo.latest_messages("alice", conversation_id, 5)
    reply = messages[0]
    assert (reply.seq, reply.version) == (2, 2)
    assert reply.content == "The start of a long answer and its end."
    assert (reply.status, reply.finish_reason) == ("ok", None)
    assert len(messages) == 2  # nothing was added: the same reply, longer
    earlier = repo.get_message_version("alice", conversation_id, reply, 1)
    assert earlier is not None and earlier.message.content == "The start of a long answer"
    started = tab.of_type("turn.started")[-1]
    assert started["text"] == "The start of a long answer"  # a tab shows the text so far
    assert tab.of_type("turn.delta")[-1]["offset"] == len("The start of a long answer")


def test_a_continue_that_adds_nothing_keeps_the_reply_as_it_was(
    repo: DynamoChatRepository, tab: Tab, clock: ManualClock
) -> None:
    model = FakeModel()
    turn = turn_with(repo, model, tab, clock)
    conversation_id = cut_conversation(turn, model)
    model.fail_with = "model unreachable"
    with pytest.raises(Exception, match="unavailable"):
        Rewrites(turn, repo, clock=clock).continue_reply("alice", conversation_id, CONTINUE)
    reply = repo.latest_messages("alice", conversation_id, 1)[0]
    assert (reply.version, reply.content) == (1, "The start of a long answer")
    assert reply.finish_reason == "length"


def test_only_a_reply_cut_short_can_be_continued(
    repo: DynamoChatRepository, tab: Tab, clock: ManualClock
) -> None:
    model = FakeModel()
    turn = turn_with(repo, model, tab, clock)
    whole = turn.run("alice", ChatRequest(message="hi")).response.conversation_id
    with pytest.raises(NothingToContinue):
        Rewrites(turn, repo, clock=clock).continue_reply("alice", whole, CONTINUE)


def test_a_reply_past_what_an_item_holds_is_cut_there_and_the_model_stopped(
    repo: DynamoChatRepository, tab: Tab, clock: ManualClock
) -> None:
    model = FakeModel(script=["\u00e9" * 4000] * 60)  # 480 KB of two-byte characters
    reply = turn_with(repo, model, tab, clock).run("alice", ChatRequest(message="hi")).response
    assert len(reply.reply.content.encode("utf-8")) == MAX_REPLY_BYTES
    assert (reply.reply.status, reply.reply.finish_reason) == ("incomplete", "length")
    assert model.streams[-1].closed.is_set(), "the model was stopped at the bound"
    stored = repo.latest_messages("alice", reply.conversation_id, 1)[0]
    assert stored.content == reply.reply.content
