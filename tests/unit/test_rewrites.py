"""Regenerate the last reply and edit the last user message: the last exchange is
replaced, what it replaced is kept as a version, and every turn guarantee holds."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import boto3
import pytest

from chat_core.agent.catalogue import resolve_agent
from chat_core.errors import (
    AgentUnavailable,
    ConversationBusy,
    InvalidRequest,
    MessageNotEditable,
    NotFound,
    NothingToRegenerate,
)
from chat_core.models import (
    ChatRequest,
    CreateConversationRequest,
    EditMessageRequest,
    FeedbackRequest,
    RegenerateRequest,
    UpdateConversationRequest,
)
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.repository.port import ClaimRejected
from chat_core.repository.records import Feedback
from chat_core.services.api_shapes import conversation_to_api
from chat_core.services.conversations import ConversationService
from chat_core.services.feedback import FeedbackService
from chat_core.services.rewrites import Rewrites
from chat_core.services.stats import read_stats
from chat_core.settings import Settings
from tests.support.billing import BillingMeter, shapes_from_template
from tests.support.dynamo_meter import DynamoMeter
from tests.support.fakes import FakeModel, LaggingIndex, ManualClock, RepositoryWith
from tests.support.turns import InProcessTurn
from tests.support.waiting import eventually

REGENERATE = RegenerateRequest()


@pytest.fixture
def rewrites(
    turn: InProcessTurn, repo: DynamoChatRepository, settings: Settings, clock: ManualClock
) -> Rewrites:
    return Rewrites(turn, repo, clock=clock)


def two_turns(turn: InProcessTurn, clock: ManualClock) -> str:
    conversation_id = turn.run("alice", ChatRequest(message="first")).response.conversation_id
    clock.advance(5)
    turn.run("alice", ChatRequest(message="second", conversation_id=conversation_id))
    clock.advance(5)
    return conversation_id


def contents(repo: DynamoChatRepository, conversation_id: str) -> list[tuple[int, str, int]]:
    """(seq, text, version) of every message, oldest first: what the user sees."""
    latest = repo.latest_messages("alice", conversation_id, 50)
    return [(m.seq, m.content, m.version) for m in reversed(latest)]


def test_regenerate_replaces_the_last_reply_and_keeps_the_old_one_as_a_version(
    turn: InProcessTurn,
    rewrites: Rewrites,
    repo: DynamoChatRepository,
    model: FakeModel,
    clock: ManualClock,
) -> None:
    conversation_id = two_turns(turn, clock)
    old = repo.get_message("alice", conversation_id, 4)
    assert old is not None
    asked_before = model.prompts[-1]
    before = read_stats(repo, "alice")

    answer = rewrites.regenerate("alice", conversation_id, REGENERATE)

    assert answer.status_code == 200
    reply = answer.body.reply  # type: ignore[union-attr]
    assert (reply.seq, reply.version) == (4, 2) and reply.id != old.id
    # The same history as the reply it replaces, without that reply.
    assert model.prompts[-1] == asked_before
    conversation = repo.get_conversation("alice", conversation_id)
    assert conversation is not None and conversation.message_count == 4
    assert conversation.turn_id is None  # released
    assert [seq for seq, *_ in contents(repo, conversation_id)] == [1, 2, 3, 4]
    earlier = rewrites.version("alice", conversation_id, 4, 1)
    assert (earlier.message.id, earlier.message.content) == (old.id, old.content)
    assert earlier.message.version == 1 and earlier.current_version == 2
    assert earlier.reply is None
    after = read_stats(repo, "alice")
    assert after.messages == before.messages  # replaced, not added
    assert after.tokens.completion == before.tokens.completion + 7  # a turn's tokens


def test_a_regenerated_reply_keeps_its_rating_and_a_rating_waits_for_the_new_one(
    turn: InProcessTurn,
    rewrites: Rewrites,
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
) -> None:
    conversation_id = two_turns(turn, clock)
    ratings = FeedbackService(repo, settings, clock=clock)
    ratings.rate("alice", conversation_id, 4, FeedbackRequest(rating="down", comment="Wrong."))
    claimed: dict[str, Any] = {}

    class RateMidway(FakeModel):
        def stream(self, agent: Any, prompt: Any, tools: Any = None) -> Any:
            # While the regeneration holds the lease, its reply cannot be rated.
            with pytest.raises(ConversationBusy, match="regenerated") as busy:
                ratings.rate("alice", conversation_id, 4, FeedbackRequest(rating="up"))
            assert busy.value.retry_after == settings.busy_retry_after_seconds
            claimed["ok"] = True
            # The conversation still holds its 4 messages, and says which one is answered.
            record = repo.get_conversation("alice", conversation_id)
            assert record is not None
            shown = conversation_to_api(record, clock())
            assert shown.live_turn is not None
            claimed["shown"] = (shown.message_count, shown.live_turn.user_message_seq)
            return super().stream(agent, prompt)

    midway = Rewrites(InProcessTurn(repo, RateMidway(), settings, clock=clock), repo, clock)
    midway.regenerate("alice", conversation_id, REGENERATE)

    assert claimed == {"ok": True, "shown": (4, 3)}
    old = rewrites.version("alice", conversation_id, 4, 1).message
    assert old.feedback is not None and (old.feedback.rating, old.feedback.comment) == (
        "down",
        "Wrong.",
    )
    new = repo.get_message("alice", conversation_id, 4)
    assert new is not None and new.feedback is None
    # The old reply's rating is still counted: it was given, and it is kept.
    assert read_stats(repo, "alice").feedback.model_dump() == {"up": 0, "down": 1}
    ratings.rate("alice", conversation_id, 4, FeedbackRequest(rating="up"))
    assert read_stats(repo, "alice").feedback.model_dump() == {"up": 1, "down": 1}


def test_a_failed_regeneration_leaves_the_old_reply_and_frees_the_conversation(
    turn: InProcessTurn,
    repo: DynamoChatRepository,
    model: FakeModel,
    settings: Settings,
    clock: ManualClock,
) -> None:
    conversation_id = two_turns(turn, clock)
    before = contents(repo, conversation_id)
    model.fail_with = "upstream 500"
    with pytest.raises(AgentUnavailable):
        Rewrites(turn, repo, clock=clock).regenerate("alice", conversation_id, REGENERATE)
    assert contents(repo, conversation_id) == before
    user = repo.get_message("alice", conversation_id, 3)
    assert user is not None and user.status == "ok"  # not failed: it has its reply
    conversation = repo.get_conversation("alice", conversation_id)
    assert conversation is not None and conversation.turn_id is None
    assert repo.latest_messages("alice", conversation_id, 50)[0].version == 1


def test_a_regeneration_that_died_holding_the_lease_leaves_no_mark_on_the_next_turn(
    turn: InProcessTurn,
    repo: DynamoChatRepository,
    model: FakeModel,
    settings: Settings,
    clock: ManualClock,
) -> None:
    """Its worker died before releasing (no fail_turn): once the lease ran out, the next
    turn's claim clears the mark of the reply it was replacing, so that reply can be
    rated again while the new turn runs."""
    conversation_id = two_turns(turn, clock)

    class DiesBeforeReleasing(RepositoryWith):
        def fail_turn(self, claim: Any, now: int) -> None:
            return None

    model.fail_with = "the worker's process ended"
    dying = InProcessTurn(DiesBeforeReleasing(repo), model, settings, clock=clock)
    with pytest.raises(AgentUnavailable):
        Rewrites(dying, repo, clock=clock).regenerate("alice", conversation_id, REGENERATE)
    clock.advance(settings.turn_lease_seconds * 1000 + 1)
    model.fail_with = None
    turn.start("alice", ChatRequest(message="third", conversation_id=conversation_id))

    rated = FeedbackService(repo, settings, clock=clock).rate(
        "alice", conversation_id, 4, FeedbackRequest(rating="up")
    )
    assert rated.feedback is not None and rated.feedback.rating == "up"


def test_only_a_reply_can_be_regenerated_and_not_while_a_turn_runs(
    turn: InProcessTurn,
    rewrites: Rewrites,
    conversations: ConversationService,
    repo: DynamoChatRepository,
    model: FakeModel,
    clock: ManualClock,
) -> None:
    empty = conversations.create("alice", CreateConversationRequest()).id
    with pytest.raises(NothingToRegenerate):
        rewrites.regenerate("alice", empty, REGENERATE)
    conversation_id = two_turns(turn, clock)
    model.fail_with = "down"
    with pytest.raises(AgentUnavailable):
        turn.run("alice", ChatRequest(message="third", conversation_id=conversation_id))
    with pytest.raises(NothingToRegenerate):  # the last message is a failed user message
        rewrites.regenerate("alice", conversation_id, REGENERATE)

    model.fail_with = None
    busy_id = two_turns(turn, clock)
    turn.start("alice", ChatRequest(message="again", conversation_id=busy_id))
    with pytest.raises(ConversationBusy):
        rewrites.regenerate("alice", busy_id, REGENERATE)
    with pytest.raises(ConversationBusy):
        rewrites.edit("alice", busy_id, 5, EditMessageRequest(message="no"))


def test_edit_replaces_the_last_message_and_continues_from_it(
    turn: InProcessTurn,
    rewrites: Rewrites,
    repo: DynamoChatRepository,
    model: FakeModel,
    clock: ManualClock,
) -> None:
    conversation_id = two_turns(turn, clock)
    old_reply = repo.get_message("alice", conversation_id, 4)
    before = read_stats(repo, "alice")

    answer = rewrites.edit(
        "alice", conversation_id, 3, EditMessageRequest(message="second, edited")
    )

    assert answer.status_code == 200
    body: Any = answer.body
    assert (body.user_message.seq, body.user_message.version) == (3, 2)
    assert (body.reply.seq, body.reply.version) == (4, 1)
    # The model was asked the new text, with the history before it.
    assert [m.content for m in model.prompts[-1] if m.role == "user"] == [
        "first",
        "second, edited",
    ]
    assert [(s, t) for s, t, _ in contents(repo, conversation_id)][2] == (3, "second, edited")
    earlier = rewrites.version("alice", conversation_id, 3, 1)
    assert earlier.message.content == "second" and earlier.current_version == 2
    assert earlier.reply is not None and old_reply is not None
    assert (earlier.reply.id, earlier.reply.content) == (old_reply.id, old_reply.content)
    assert read_stats(repo, "alice").messages == before.messages  # one out, one in
    # The conversation goes on from the edited message.
    turn.run("alice", ChatRequest(message="third", conversation_id=conversation_id))
    assert [s for s, *_ in contents(repo, conversation_id)] == [1, 2, 3, 4, 5, 6]


def test_an_edit_starts_the_reply_s_versions_again(
    turn: InProcessTurn, rewrites: Rewrites, repo: DynamoChatRepository, clock: ManualClock
) -> None:
    conversation_id = two_turns(turn, clock)
    rewrites.regenerate("alice", conversation_id, REGENERATE)  # reply 4 is version 2
    rewrites.edit("alice", conversation_id, 3, EditMessageRequest(message="new text"))
    reply = repo.get_message("alice", conversation_id, 4)
    assert reply is not None and (reply.version, reply.answers) == (1, 2)
    with pytest.raises(NotFound):  # none answers the new text yet
        rewrites.version("alice", conversation_id, 4, 1)
    rewrites.regenerate("alice", conversation_id, REGENERATE)
    first_to_new_text = rewrites.version("alice", conversation_id, 4, 1)
    assert first_to_new_text.message.id == reply.id
    # The text before the edit keeps the reply it ended with (the regenerated one).
    assert rewrites.version("alice", conversation_id, 3, 1).reply.version == 2  # type: ignore[union-attr]


def test_a_failed_edit_keeps_the_edited_text_as_failed_and_can_be_edited_again(
    turn: InProcessTurn,
    rewrites: Rewrites,
    repo: DynamoChatRepository,
    model: FakeModel,
    clock: ManualClock,
) -> None:
    conversation_id = two_turns(turn, clock)
    model.fail_with = "timeout"
    with pytest.raises(AgentUnavailable):
        rewrites.edit("alice", conversation_id, 3, EditMessageRequest(message="take two"))
    edited = repo.get_message("alice", conversation_id, 3)
    assert edited is not None and (edited.content, edited.status) == ("take two", "failed")
    assert repo.get_message("alice", conversation_id, 4) is None
    conversation = repo.get_conversation("alice", conversation_id)
    assert conversation is not None and conversation.message_count == 3
    assert read_stats(repo, "alice").messages == 3  # the reply went into the version

    model.fail_with = None
    rewrites.edit("alice", conversation_id, 3, EditMessageRequest(message="take three"))
    answered = repo.get_message("alice", conversation_id, 3)
    assert answered is not None and (answered.content, answered.status) == ("take three", "ok")
    assert [(s, v) for s, _, v in contents(repo, conversation_id)] == [
        (1, 1),
        (2, 1),
        (3, 3),
        (4, 1),
    ]
    assert rewrites.version("alice", conversation_id, 3, 2).reply is None  # it had none


def test_resending_a_failed_message_as_it_is_retries_it_without_a_new_version(
    turn: InProcessTurn,
    rewrites: Rewrites,
    repo: DynamoChatRepository,
    model: FakeModel,
    clock: ManualClock,
) -> None:
    conversation_id = two_turns(turn, clock)
    model.fail_with = "timeout"
    with pytest.raises(AgentUnavailable):
        turn.run("alice", ChatRequest(message="third", conversation_id=conversation_id))
    model.fail_with = None
    answer: Any = rewrites.edit("alice", conversation_id, 5, EditMessageRequest(message="third"))
    assert (answer.body.user_message.version, answer.body.user_message.status) == (1, "ok")
    assert [(s, t, v) for s, t, v in contents(repo, conversation_id)][4:] == [
        (5, "third", 1),
        (6, answer.body.reply.content, 1),
    ]
    assert read_stats(repo, "alice").messages == 6


def test_only_the_last_user_message_can_be_edited(
    turn: InProcessTurn, rewrites: Rewrites, clock: ManualClock
) -> None:
    conversation_id = two_turns(turn, clock)
    with pytest.raises(MessageNotEditable):
        rewrites.edit("alice", conversation_id, 1, EditMessageRequest(message="x"))
    with pytest.raises(InvalidRequest, match="your own"):  # an earlier reply
        rewrites.edit("alice", conversation_id, 2, EditMessageRequest(message="x"))
    with pytest.raises(InvalidRequest, match="your own"):
        rewrites.edit("alice", conversation_id, 4, EditMessageRequest(message="x"))
    with pytest.raises(NotFound, match="No message with this seq"):
        rewrites.edit("alice", conversation_id, 9, EditMessageRequest(message="x"))
    with pytest.raises(NotFound, match="No message with this seq"):
        rewrites.version("alice", conversation_id, 9, 1)
    with pytest.raises(NotFound):  # version 1 is the message itself
        rewrites.version("alice", conversation_id, 3, 1)


def test_a_conversation_with_no_message_has_none_to_edit_or_regenerate(
    rewrites: Rewrites, conversations: ConversationService
) -> None:
    empty = conversations.create("alice", CreateConversationRequest(title="Empty")).id
    with pytest.raises(NotFound, match="No message with this seq"):
        rewrites.edit("alice", empty, 1, EditMessageRequest(message="x"))
    with pytest.raises(NothingToRegenerate):
        rewrites.regenerate("alice", empty, REGENERATE)


def test_versions_are_purged_with_the_conversation(
    turn: InProcessTurn,
    rewrites: Rewrites,
    conversations: ConversationService,
    repo: DynamoChatRepository,
    clock: ManualClock,
) -> None:
    conversation_id = two_turns(turn, clock)
    rewrites.regenerate("alice", conversation_id, REGENERATE)
    rewrites.edit("alice", conversation_id, 3, EditMessageRequest(message="edited"))
    conversations.delete("alice", conversation_id)
    assert repo.purge_messages("alice", conversation_id) == 4 + 2  # messages + versions
    assert repo.purge_messages("alice", conversation_id) == 0


def test_what_a_regeneration_and_an_edit_cost(
    dynamodb: Any, turn: InProcessTurn, rewrites: Rewrites, clock: ManualClock
) -> None:
    """Requests and billed write units (docs/performance.md "Regenerate and edit")."""
    conversation_id = two_turns(turn, clock)
    shapes = shapes_from_template({"ChatTable": "chat-unit"})
    meter = DynamoMeter().attach(dynamodb)
    bill = BillingMeter(shapes, boto3.client("dynamodb", region_name="us-east-1")).attach(dynamodb)

    def measured(action: Any) -> tuple[dict[str, int], float]:
        meter.reset()
        bill.reset()
        action()
        return dict(meter.operations), bill.write_units

    ops, units = measured(lambda: rewrites.regenerate("alice", conversation_id, REGENERATE))
    # Claim: GetItem conversation, Query last two, GetItem stats, transaction
    # (conversation, stats); reply: Query live items, Query history, GetItem old reply,
    # transaction (reply, version, conversation, stats).
    assert ops == {"GetItem": 3, "Query": 3, "TransactWriteItems": 2}
    # Billed, items under 1 KB: claim 6 (conversation 2 + 2 as its listing key moves,
    # stats 2), reply 9 (new reply 2, the old one's version 2, conversation 2 + its
    # listing-index copy 1, stats 2). An ordinary turn's is 15 too.
    assert units == 15
    clock.advance(5)
    ops, units = measured(
        lambda: rewrites.edit("alice", conversation_id, 3, EditMessageRequest(message="e"))
    )
    assert ops == {"GetItem": 2, "Query": 3, "TransactWriteItems": 2}
    # Billed: claim 12 (conversation 4, edited message 2, its version 2, the reply taken
    # out 2, stats 2), reply 7 as an ordinary turn's (reply 2, conversation 3, stats 2).
    assert units == 19


def test_a_regeneration_read_before_another_one_ended_reads_again(
    turn: InProcessTurn,
    rewrites: Rewrites,
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
) -> None:
    """Interleaved by hand: regeneration A reads the last exchange, B regenerates the
    reply from start to end, then A's claim (built from its read) must be refused and A
    read again, so its reply replaces B's, never a reply it did not read."""
    conversation_id = two_turns(turn, clock)
    interleaved: list[bool] = []

    class ReadThenLoseTheRace(RepositoryWith):
        def latest_messages(self, sub: str, cid: str, limit: int) -> Any:
            read = repo.latest_messages(sub, cid, limit)
            if limit == 2 and not interleaved:
                interleaved.append(True)
                clock.advance(5)
                rewrites.regenerate("alice", conversation_id, REGENERATE)  # B
                clock.advance(5)
            return read

    racing = Rewrites(turn, ReadThenLoseTheRace(repo), clock=clock)
    answer: Any = racing.regenerate("alice", conversation_id, REGENERATE)  # A

    assert interleaved == [True]
    assert (answer.body.reply.seq, answer.body.reply.version) == (4, 3)
    assert rewrites.version("alice", conversation_id, 4, 2).message.version == 2  # B's kept
    conversation = repo.get_conversation("alice", conversation_id)
    assert conversation is not None and conversation.turn_id is None


def test_a_regeneration_cut_short_by_the_model_keeps_the_whole_old_reply(
    turn: InProcessTurn,
    rewrites: Rewrites,
    repo: DynamoChatRepository,
    model: FakeModel,
    clock: ManualClock,
) -> None:
    conversation_id = two_turns(turn, clock)
    before = repo.get_message("alice", conversation_id, 4)
    model.break_after = 1  # some text, then the stream breaks
    with pytest.raises(AgentUnavailable):
        rewrites.regenerate("alice", conversation_id, REGENERATE)
    assert repo.get_message("alice", conversation_id, 4) == before
    conversation = repo.get_conversation("alice", conversation_id)
    assert conversation is not None and conversation.turn_id is None


def test_a_rating_read_before_a_regeneration_does_not_land_on_the_new_reply(
    turn: InProcessTurn, rewrites: Rewrites, repo: DynamoChatRepository, clock: ManualClock
) -> None:
    conversation_id = two_turns(turn, clock)
    seen = repo.get_conversation("alice", conversation_id)
    old = repo.get_message("alice", conversation_id, 4)
    assert seen is not None and old is not None
    rewrites.regenerate("alice", conversation_id, REGENERATE)
    with pytest.raises(ClaimRejected, match="message"):
        repo.rate_message("alice", seen, old, Feedback("up", None, clock()), clock())
    assert read_stats(repo, "alice").feedback.model_dump() == {"up": 0, "down": 0}


def test_editing_the_first_message_retitles_only_a_conversation_the_user_did_not_name(
    turn: InProcessTurn,
    rewrites: Rewrites,
    conversations: ConversationService,
    repo: DynamoChatRepository,
    clock: ManualClock,
) -> None:
    unnamed = turn.run("alice", ChatRequest(message="Plans for Lyon")).response.conversation_id
    answer: Any = rewrites.edit("alice", unnamed, 1, EditMessageRequest(message="Plans for Turin"))
    assert answer.body.title == "Plans for Turin"
    stored = repo.get_conversation("alice", unnamed)
    assert stored is not None and stored.title == "Plans for Turin"

    named = conversations.create("alice", CreateConversationRequest(title="Trips")).id
    turn.run("alice", ChatRequest(message="Plans for Lyon", conversation_id=named))
    clock.advance(5)
    rewrites.edit("alice", named, 1, EditMessageRequest(message="Plans for Turin"))
    stored = repo.get_conversation("alice", named)
    assert stored is not None and stored.title == "Trips"


def test_a_rewrite_in_an_archived_conversation_brings_it_back_with_its_own_agent(
    turn: InProcessTurn,
    rewrites: Rewrites,
    conversations: ConversationService,
    repo: DynamoChatRepository,
    model: FakeModel,
    clock: ManualClock,
) -> None:
    first = turn.run("alice", ChatRequest(message="sort a list", agent_type="coder"))
    conversation_id = first.response.conversation_id
    conversations.update("alice", conversation_id, UpdateConversationRequest(status="archived"))
    assert read_stats(repo, "alice").conversations.active == 0
    clock.advance(5)

    rewrites.regenerate("alice", conversation_id, REGENERATE)

    conversation = repo.get_conversation("alice", conversation_id)
    assert conversation is not None and conversation.status == "active"
    counts = read_stats(repo, "alice").conversations
    assert (counts.active, counts.archived) == (1, 0)
    coder = resolve_agent("coder").system_prompt
    assert model.prompts[-1][0].content == coder  # the conversation's agent, not the default


def test_a_turn_running_elsewhere_in_the_conversation_does_not_stop_rating_a_reply(
    turn: InProcessTurn, repo: DynamoChatRepository, settings: Settings, clock: ManualClock
) -> None:
    """Only the reply a regeneration replaces waits; any other reply can be rated while
    a turn runs (the lease is the conversation's, the refusal is that reply's)."""
    conversation_id = two_turns(turn, clock)
    turn.start("alice", ChatRequest(message="third", conversation_id=conversation_id))
    ratings = FeedbackService(repo, settings, clock=clock)
    rated = ratings.rate("alice", conversation_id, 2, FeedbackRequest(rating="up"))
    assert rated.feedback is not None and rated.feedback.rating == "up"


def test_a_rewrite_that_brings_a_conversation_back_at_the_cap_archives_the_least_recent_idle_one(
    turn: InProcessTurn,
    rewrites: Rewrites,
    conversations: ConversationService,
    repo: DynamoChatRepository,
    settings: Settings,
    clock: ManualClock,
) -> None:
    back = turn.run("alice", ChatRequest(message="an old topic")).response.conversation_id
    conversations.update("alice", back, UpdateConversationRequest(status="archived"))
    clock.advance(5)
    active = [
        turn.run("alice", ChatRequest(message=text)).response.conversation_id
        for text in ("one", "two", "three")
    ]
    assert len(active) == settings.max_active_conversations
    # Another agent's conversations have a cap of their own.
    turn.run("alice", ChatRequest(message="a script", agent_type="coder"))
    # The least recently active one has a reply being written: it is archived last.
    turn.start("alice", ChatRequest(message="more", conversation_id=active[0]))
    for conversation_id in active[1:]:
        clock.advance(5)
        turn.run("alice", ChatRequest(message="again", conversation_id=conversation_id))
    clock.advance(5)

    rewrites.regenerate("alice", back, REGENERATE)

    def status(conversation_id: str) -> str:
        conversation = repo.get_conversation("alice", conversation_id)
        assert conversation is not None
        return conversation.status

    assert [status(c) for c in (back, *active)] == ["active", "active", "archived", "active"]
    counts = read_stats(repo, "alice").conversations
    assert (counts.active, counts.archived) == (4, 1)  # 3 general, 1 coder


def test_a_rewrite_that_brings_a_conversation_back_counts_one_started_meanwhile(
    turn: InProcessTurn,
    rewrites: Rewrites,
    conversations: ConversationService,
    repo: DynamoChatRepository,
    model: FakeModel,
    settings: Settings,
    clock: ManualClock,
) -> None:
    """Interleaved by hand: the cap reads two active conversations of three allowed, a
    third starts, then the rewrite's claim (which counted two) must be refused and read
    again, so that bringing one back archives one and three stay active, not four."""
    back = turn.run("alice", ChatRequest(message="an old topic")).response.conversation_id
    conversations.update("alice", back, UpdateConversationRequest(status="archived"))
    clock.advance(5)
    first = turn.run("alice", ChatRequest(message="one")).response.conversation_id
    clock.advance(5)
    second = turn.run("alice", ChatRequest(message="two")).response.conversation_id
    started: list[str] = []

    class StartOneDuringTheCapRead(RepositoryWith):
        def active_conversations(self, sub: str, agent_type: str, limit: int) -> Any:
            read = repo.active_conversations(sub, agent_type, limit)
            if not started:
                clock.advance(5)
                started.append(
                    turn.run("alice", ChatRequest(message="three")).response.conversation_id
                )
                clock.advance(5)
            return read

    racing = InProcessTurn(StartOneDuringTheCapRead(repo), model, settings, clock=clock)
    Rewrites(racing, repo, clock=clock).regenerate("alice", back, REGENERATE)

    assert len(started) == 1
    listed = conversations.list("alice", status="active", agent_type=None, limit=10, cursor=None)
    assert sorted(c.id for c in listed.items) == sorted([back, second, *started])
    assert first not in [c.id for c in listed.items]  # the least recent went
    assert read_stats(repo, "alice").conversations.active == settings.max_active_conversations


def test_a_rewrite_bringing_back_one_the_index_still_lists_as_active_archives_another(
    turn: InProcessTurn,
    conversations: ConversationService,
    repo: DynamoChatRepository,
    model: FakeModel,
    settings: Settings,
    clock: ManualClock,
) -> None:
    back = turn.run("alice", ChatRequest(message="an old topic")).response.conversation_id
    conversations.update("alice", back, UpdateConversationRequest(status="archived"))
    others = []
    for text in ("one", "two", "three"):  # at the cap of 3
        clock.advance(5)
        others.append(turn.run("alice", ChatRequest(message=text)).response.conversation_id)
    lagging = InProcessTurn(LaggingIndex(repo, "alice", back), model, settings, clock=clock)

    Rewrites(lagging, repo, clock=clock).regenerate("alice", back, REGENERATE)

    listed = conversations.list("alice", status="active", agent_type=None, limit=10, cursor=None)
    assert sorted(c.id for c in listed.items) == sorted([back, *others[1:]])


def a_failed_turn(
    turn: InProcessTurn, model: FakeModel, conversation_id: str, text: str, key: str
) -> None:
    """``text`` stored as the conversation's last message, failed (the model was down),
    with ``key`` as its request's Idempotency-Key."""
    model.fail_with = "timeout"
    with pytest.raises(AgentUnavailable):
        turn.submit("alice", ChatRequest(message=text, conversation_id=conversation_id), key)
    model.fail_with = None


def wait_until_free(repo: DynamoChatRepository, conversation_id: str) -> None:
    """A streamed turn runs on the in-process dispatcher's thread: wait for its end."""

    def free() -> bool:
        conversation = repo.get_conversation("alice", conversation_id)
        return conversation is not None and conversation.turn_id is None

    eventually(free, "the streamed turn ended")


def test_a_streamed_rewrite_or_retry_answers_202_at_once_with_the_message_as_it_now_is(
    turn: InProcessTurn,
    rewrites: Rewrites,
    repo: DynamoChatRepository,
    model: FakeModel,
    clock: ManualClock,
) -> None:
    conversation_id = two_turns(turn, clock)
    regenerated: Any = rewrites.regenerate("alice", conversation_id, RegenerateRequest(stream=True))
    assert regenerated.status_code == 202
    assert (regenerated.body.user_message.seq, regenerated.body.user_message.status) == (3, "ok")
    wait_until_free(repo, conversation_id)

    a_failed_turn(turn, model, conversation_id, "third", "key-third")  # message 5: resent
    resent: Any = rewrites.edit(
        "alice", conversation_id, 5, EditMessageRequest(message="third", stream=True)
    )
    assert resent.status_code == 202
    assert (resent.body.user_message.seq, resent.body.user_message.status) == (5, "ok")
    wait_until_free(repo, conversation_id)

    a_failed_turn(turn, model, conversation_id, "fourth", "key-fourth")  # 7: keyed retry
    streamed = ChatRequest(message="fourth", conversation_id=conversation_id, stream=True)
    retried: Any = turn.submit("alice", streamed, "key-fourth")
    assert retried.status_code == 202
    assert (retried.body.user_message.seq, retried.body.user_message.status) == (7, "ok")
    wait_until_free(repo, conversation_id)
    assert [s for s, *_ in contents(repo, conversation_id)] == [1, 2, 3, 4, 5, 6, 7, 8]


def test_a_retry_that_reads_a_turn_in_flight_is_told_how_long_to_wait(
    turn: InProcessTurn,
    repo: DynamoChatRepository,
    model: FakeModel,
    settings: Settings,
    clock: ManualClock,
) -> None:
    """The retry read the conversation while another turn held it (a race: that turn
    may end before the message is read): busy, for as long as that lease has left."""
    conversation_id = two_turns(turn, clock)
    a_failed_turn(turn, model, conversation_id, "third", "k")

    class LeaseSeen(RepositoryWith):
        def get_conversation(self, sub: str, cid: str) -> Any:
            read = repo.get_conversation(sub, cid)
            return read and replace(read, turn_id="other", turn_lease_until=clock.now + 1_000)

    with pytest.raises(ConversationBusy) as busy:
        InProcessTurn(LeaseSeen(repo), model, settings, clock=clock).submit(
            "alice", ChatRequest(message="third", conversation_id=conversation_id), "k"
        )
    assert busy.value.retry_after == 1  # the lease's second, not the default wait
    assert settings.busy_retry_after_seconds > 1


def test_while_an_edit_is_answered_the_conversation_says_which_message_is(
    turn: InProcessTurn, repo: DynamoChatRepository, settings: Settings, clock: ManualClock
) -> None:
    conversation_id = two_turns(turn, clock)
    seen: list[tuple[int, int | None]] = []

    class LooksMidway(FakeModel):
        def stream(self, agent: Any, prompt: Any, tools: Any = None) -> Any:
            record = repo.get_conversation("alice", conversation_id)
            assert record is not None
            shown = conversation_to_api(record, clock())
            live = shown.live_turn.user_message_seq if shown.live_turn else None
            seen.append((shown.message_count, live))
            return super().stream(agent, prompt)

    editing = Rewrites(InProcessTurn(repo, LooksMidway(), settings, clock=clock), repo, clock)
    editing.edit("alice", conversation_id, 3, EditMessageRequest(message="second, edited"))

    assert seen == [(3, 3)]  # its reply taken out, the edited message answered
