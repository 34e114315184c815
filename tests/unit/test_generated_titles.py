"""Titles written by the model after the first reply: asked for off the turn's path,
never over a title the user chose, and nothing lost when the model fails."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from chat_core.agent.catalogue import AgentType
from chat_core.agent.history import PromptMessage
from chat_core.agent.model_port import ModelUnavailable
from chat_core.agent.titling import TITLE_AGENT, TITLE_INSTRUCTIONS, clean_title
from chat_core.errors import ApiError
from chat_core.live.connections import Delivery
from chat_core.models import ChatRequest, CreateConversationRequest, UpdateConversationRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.repository.port import StorageFault
from chat_core.services import title_dispatch
from chat_core.services.conversations import ConversationService
from chat_core.services.pagination import CursorCodec
from chat_core.services.title_generator import TitleGenerator
from chat_core.services.titles import title_from_message
from chat_core.settings import Settings
from tests.support.fakes import FakeModel, FakeReplyStream, ManualClock
from tests.support.turns import InProcessTurn
from tests.support.waiting import eventually


@dataclass
class TitlingModel(FakeModel):
    """Answers a title request with ``answer``; anything else like FakeModel."""

    answer: str = '"Trip to Lyon."\nSome explanation the model added'
    title_prompts: list[list[PromptMessage]] = field(default_factory=list)
    title_agents: list[AgentType] = field(default_factory=list)

    def stream(
        self, agent: AgentType, prompt: list[PromptMessage], tools: Any = None
    ) -> FakeReplyStream:
        if prompt[0].content != TITLE_INSTRUCTIONS:
            return super().stream(agent, prompt)
        self.title_prompts.append(prompt)
        self.title_agents.append(agent)
        if self.fail_with:
            raise ModelUnavailable(self.fail_with)
        return FakeReplyStream([self.answer[:5], self.answer[5:]], None)


@dataclass
class Posts:
    sent: list[tuple[str, dict[str, object]]] = field(default_factory=list)

    def post(self, connection_id: str, data: bytes) -> Delivery:
        self.sent.append((connection_id, json.loads(data)))
        return "delivered"


@pytest.fixture
def titling() -> TitlingModel:
    return TitlingModel()


@pytest.fixture
def generator(repo: DynamoChatRepository, titling: TitlingModel) -> TitleGenerator:
    return TitleGenerator(repo, titling, Posts())


def answered(repo: DynamoChatRepository, settings: Settings, clock: ManualClock, text: str) -> str:
    """A new conversation whose first message has its reply (no title asked for)."""
    turn = InProcessTurn(repo, FakeModel(), settings, clock=clock)
    return turn.run("alice", ChatRequest(message=text)).response.conversation_id


def turn_asking_for_titles(
    repo: DynamoChatRepository, model: FakeModel, settings: Settings, clock: ManualClock
) -> tuple[InProcessTurn, list[tuple[str, str]]]:
    """Turns whose title requests are recorded rather than run."""
    asked: list[tuple[str, str]] = []
    turn = InProcessTurn(
        repo, model, settings, clock=clock, request_title=lambda *a: asked.append(a)
    )
    return turn, asked


def test_the_first_reply_asks_for_a_title_once_and_the_model_s_title_replaces_the_cut_one(
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
    titling: TitlingModel,
    generator: TitleGenerator,
) -> None:
    turn, asked = turn_asking_for_titles(repo, titling, settings, clock)
    first = turn.run("alice", ChatRequest(message="I want to plan a trip to Lyon in May"))
    conversation_id = first.response.conversation_id
    assert first.response.title == "I want to plan a trip to Lyon in May"  # at once
    assert asked == [("alice", conversation_id)]
    turn.run("alice", ChatRequest(message="and Turin?", conversation_id=conversation_id))
    assert asked == [("alice", conversation_id)]  # not again on later turns

    repo.add_connection("alice", "conn-1", clock(), 10**10)
    posts = Posts()
    generator = TitleGenerator(repo, titling, posts)
    assert generator.run("alice", conversation_id) == "Trip to Lyon"
    stored = repo.get_conversation("alice", conversation_id)
    assert stored is not None and stored.title == "Trip to Lyon" and not stored.title_by_user
    assert titling.title_agents == [TITLE_AGENT]  # short, cool, a few tokens
    transcript = titling.title_prompts[0][1].content
    assert "User: I want to plan a trip to Lyon in May" in transcript
    assert "Assistant: reply to" in transcript
    assert posts.sent == [
        (
            "conn-1",
            {
                "type": "conversation.titled",
                "conversation_id": conversation_id,
                "title": "Trip to Lyon",
            },
        )
    ]


def test_a_title_the_user_chose_is_never_replaced(
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
    titling: TitlingModel,
    generator: TitleGenerator,
    conversations: ConversationService,
) -> None:
    turn, asked = turn_asking_for_titles(repo, titling, settings, clock)
    named = conversations.create("alice", CreateConversationRequest(title="My Lyon plans"))
    turn.run("alice", ChatRequest(message="hello", conversation_id=named.id))
    assert asked == []  # created with a title: nothing to ask
    assert generator.run("alice", named.id) is None and titling.title_prompts == []

    # Renamed after the worker was asked but before the title was written: kept.
    unnamed = turn.run("alice", ChatRequest(message="something about Turin"))
    conversation_id = unnamed.response.conversation_id
    assert asked == [("alice", conversation_id)]
    seen = repo.get_conversation("alice", conversation_id)
    conversations.update("alice", conversation_id, UpdateConversationRequest(title="Turin!"))
    assert repo.set_generated_title("alice", conversation_id, "Trip to Lyon") is False
    assert seen is not None and not seen.title_by_user
    assert generator.run("alice", conversation_id) is None
    assert repo.get_conversation("alice", conversation_id).title == "Turin!"  # type: ignore[union-attr]


def test_a_failed_or_empty_answer_keeps_the_first_message_s_title(
    repo: DynamoChatRepository, settings: Settings, clock: ManualClock, titling: TitlingModel
) -> None:
    conversation_id = answered(repo, settings, clock, "notes")
    titling.fail_with = "model down"
    assert TitleGenerator(repo, titling, Posts()).run("alice", conversation_id) is None
    titling.fail_with, titling.answer = None, '  ""  \n'
    assert TitleGenerator(repo, titling, Posts()).run("alice", conversation_id) is None
    assert repo.get_conversation("alice", conversation_id).title == "notes"  # type: ignore[union-attr]


def test_a_deleted_conversation_is_not_titled(
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
    titling: TitlingModel,
    generator: TitleGenerator,
    conversations: ConversationService,
) -> None:
    conversation_id = answered(repo, settings, clock, "secret")
    conversations.delete("alice", conversation_id)
    assert generator.run("alice", conversation_id) is None
    assert repo.set_generated_title("alice", conversation_id, "Trip to Lyon") is False


def test_a_failing_title_request_does_not_fail_the_turn(
    repo: DynamoChatRepository, settings: Settings, clock: ManualClock
) -> None:
    def broken(sub: str, conversation_id: str) -> None:
        raise RuntimeError("Lambda said no")

    turn = InProcessTurn(repo, FakeModel(), settings, clock=clock, request_title=broken)
    outcome = turn.run("alice", ChatRequest(message="hello"))
    assert outcome.response.reply.status == "ok"


@pytest.mark.parametrize(
    ("answer", "title"),
    [
        ('"Trip to Lyon."', "Trip to Lyon"),
        ("Title: **Budget review**\n\nBecause the user...", "Budget review"),
        ("\n\n  « Voyage à Lyon »  ", "Voyage à Lyon"),
        ("", ""),
    ],
)
def test_the_model_s_answer_is_cleaned(answer: str, title: str) -> None:
    assert clean_title(answer) == title


def test_no_title_without_a_reply_nor_when_the_model_repeats_the_title(
    repo: DynamoChatRepository, settings: Settings, clock: ManualClock, titling: TitlingModel
) -> None:
    failing = InProcessTurn(repo, FakeModel(fail_with="down"), settings, clock=clock)
    with pytest.raises(ApiError):
        failing.run("alice", ChatRequest(message="unanswered"))
    (only,) = repo.list_conversations(
        "alice", status="active", agent_type=None, limit=5, start_key=None
    ).items
    posts = Posts()
    repo.add_connection("alice", "conn-1", clock(), 10**10)
    assert TitleGenerator(repo, titling, posts).run("alice", only.id) is None
    assert titling.title_prompts == []  # the model is not asked without a reply

    answered = InProcessTurn(repo, FakeModel(), settings, clock=clock)
    conversation_id = answered.run("alice", ChatRequest(message="Trip to Lyon")).response
    titling.answer = "Trip to Lyon"  # what the title already is
    assert (
        TitleGenerator(repo, titling, posts).run("alice", conversation_id.conversation_id) is None
    )
    assert posts.sent == []  # nothing written, nobody told


def test_a_title_stored_while_storage_fails_to_list_connections_is_kept(
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
    titling: TitlingModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conversation_id = answered(repo, settings, clock, "notes")

    def unavailable(sub: str) -> None:
        raise StorageFault("ProvisionedThroughputExceededException", transient=True)

    monkeypatch.setattr(repo, "live_state", unavailable)
    posts = Posts()
    assert TitleGenerator(repo, titling, posts).run("alice", conversation_id) == "Trip to Lyon"
    assert posts.sent == []
    assert repo.get_conversation("alice", conversation_id).title == "Trip to Lyon"  # type: ignore[union-attr]


def test_the_title_worker_is_invoked_without_waiting_and_a_thread_runs_it_in_process(
    repo: DynamoChatRepository, settings: Settings, clock: ManualClock, titling: TitlingModel
) -> None:
    calls: list[dict[str, object]] = []

    class LambdaApi:
        def invoke(self, **call: object) -> None:
            calls.append(call)

    title_dispatch.lambda_event("chat-title-worker-dev", LambdaApi())("alice", "c-1")
    assert calls == [
        {
            "FunctionName": "chat-title-worker-dev",
            "InvocationType": "Event",
            "Payload": b'{"sub": "alice", "conversation_id": "c-1"}',
        }
    ]

    conversation_id = (
        InProcessTurn(repo, FakeModel(), settings, clock=clock)
        .run("alice", ChatRequest(message="notes"))
        .response.conversation_id
    )
    generator = TitleGenerator(repo, titling, Posts())
    title_dispatch.in_process(generator)("alice", conversation_id)
    eventually(
        lambda: repo.get_conversation("alice", conversation_id).title == "Trip to Lyon",  # type: ignore[union-attr]
        "the generated title stored",
    )
    assert repo.get_conversation("alice", conversation_id).title == "Trip to Lyon"  # type: ignore[union-attr]
    # A generator that raises on its thread is logged, never raised into the turn.
    title_dispatch.in_process(None)("alice", conversation_id)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("message", "title"),
    [
        ("  plan   a\ntrip ", "plan a trip"),
        ("x" * 60, "x" * 60),  # exactly the limit: kept whole
        ("word " * 11 + "last", "word " * 11 + "last"),  # 59 characters
        ("one two three four five six seven eight nine ten eleven twelve, more", None),
        ("y" * 80, "y" * 60 + "…"),  # one long word is cut inside itself
        (  # no punctuation left dangling at the cut
            "alpha beta gamma delta epsilon zeta eta theta iota kappa, lambda mu nu xi",
            "alpha beta gamma delta epsilon zeta eta theta iota kappa…",
        ),
        (  # but the start stays as written
            "...and then we went on and on about the trip to the mountains in May",
            "...and then we went on and on about the trip to the…",
        ),
    ],
)
def test_the_title_cut_from_a_message_ends_at_a_word(message: str, title: str | None) -> None:
    expected = title or "one two three four five six seven eight nine ten eleven…"
    assert title_from_message(message) == expected


def test_changing_only_the_metadata_leaves_the_title_to_the_model(
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
    titling: TitlingModel,
    generator: TitleGenerator,
    conversations: ConversationService,
) -> None:
    conversation_id = answered(repo, settings, clock, "notes")
    conversations.update(
        "alice", conversation_id, UpdateConversationRequest(metadata={"project": "atlas"})
    )
    assert generator.run("alice", conversation_id) == "Trip to Lyon"


def test_only_a_title_this_service_made_is_replaced(
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
    titling: TitlingModel,
    generator: TitleGenerator,
    dynamodb: Any,
) -> None:
    """A conversation created with a title before title_by_user was recorded reads as
    not chosen by its user; its title is neither the default nor cut from its first
    message, so it stays. An empty conversation's default title is replaced."""
    conversation_id = answered(repo, settings, clock, "notes")
    dynamodb.update_item(
        TableName="chat-unit",
        Key={"PK": {"S": "USER#alice"}, "SK": {"S": f"CONV#{conversation_id}"}},
        UpdateExpression="SET title = :t",
        ExpressionAttributeValues={":t": {"S": "Named before the upgrade"}},
    )
    assert generator.run("alice", conversation_id) is None
    conversations = ConversationService(
        repo, CursorCodec(settings.cursor_signing_key), settings, clock=clock
    )
    empty = conversations.create("alice", CreateConversationRequest())
    InProcessTurn(repo, FakeModel(), settings, clock=clock).run(
        "alice", ChatRequest(message="hello", conversation_id=empty.id)
    )
    assert empty.title == "New conversation"
    assert generator.run("alice", empty.id) == "Trip to Lyon"


def test_an_edited_first_message_is_titled_again_from_its_new_text(
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
    titling: TitlingModel,
    generator: TitleGenerator,
) -> None:
    from chat_core.models import EditMessageRequest
    from chat_core.services.rewrites import Rewrites

    turn, asked = turn_asking_for_titles(repo, titling, settings, clock)
    conversation_id = turn.run("alice", ChatRequest(message="Lyon in May")).response.conversation_id
    generator.run("alice", conversation_id)  # "Trip to Lyon"
    clock.advance(5)
    titling.answer = "Turin in June"
    Rewrites(turn, repo, clock=clock).edit(
        "alice", conversation_id, 1, EditMessageRequest(message="Turin in June, actually")
    )
    assert asked == [("alice", conversation_id)] * 2  # asked again after the new reply
    assert generator.run("alice", conversation_id) == "Turin in June"
    assert titling.title_prompts[-1][-1].content.startswith("User: Turin in June, actually")
