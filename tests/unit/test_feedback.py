"""Rating a reply: one rating per reply, changeable, shown with the message and counted
exactly in the user's stats, even when a rating and a delete race."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from chat_core.clock import iso_from_ms
from chat_core.errors import ConversationBusy, Forbidden, InvalidRequest, NotFound
from chat_core.models import ChatRequest, FeedbackRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.repository.port import ClaimRejected, Refusal
from chat_core.repository.records import ConversationRecord, Feedback, MessageRecord
from chat_core.services.conversation_reader import ConversationReader
from chat_core.services.conversations import ConversationService
from chat_core.services.feedback import FeedbackService
from chat_core.services.retry_policy import RetryPolicy
from chat_core.services.stats import read_stats
from chat_core.settings import Settings
from tests.support.billing import BillingMeter, shapes_from_template
from tests.support.dynamo_meter import DynamoMeter
from tests.support.fakes import ManualClock, RepositoryWith
from tests.support.turns import InProcessTurn


@pytest.fixture
def ratings(repo: DynamoChatRepository, settings: Settings, clock: ManualClock) -> FeedbackService:
    return FeedbackService(repo, settings, clock=clock)


def two_turns(turn: InProcessTurn, clock: ManualClock) -> str:
    conversation_id = turn.run("alice", ChatRequest(message="first")).response.conversation_id
    clock.advance(5)
    turn.run("alice", ChatRequest(message="second", conversation_id=conversation_id))
    return conversation_id


def conversation_and_reply(
    repo: DynamoChatRepository, conversation_id: str
) -> tuple[ConversationRecord, MessageRecord]:
    """What a rating or a delete reads first, to be applied later in a chosen order."""
    seen = repo.get_conversation("alice", conversation_id)
    reply = repo.get_message("alice", conversation_id, 2)
    assert seen is not None and reply is not None
    return seen, reply


def test_a_rating_shows_on_the_reply_can_change_and_be_taken_back_with_exact_counts(
    turn: InProcessTurn,
    ratings: FeedbackService,
    reader: ConversationReader,
    repo: DynamoChatRepository,
    clock: ManualClock,
) -> None:
    conversation_id = two_turns(turn, clock)
    rated = ratings.rate(
        "alice", conversation_id, 2, FeedbackRequest(rating="down", comment="Wrong date.")
    )
    assert rated.feedback is not None and rated.feedback.rating == "down"
    assert rated.feedback.updated_at == iso_from_ms(clock())  # when it was given
    ratings.rate("alice", conversation_id, 4, FeedbackRequest(rating="up"))
    page = reader.page_messages("alice", conversation_id, limit=10, order="asc", cursor=None)
    shown = {m.seq: m.feedback for m in page.items}
    assert shown[1] is None and shown[3] is None
    assert shown[2] is not None and (shown[2].rating, shown[2].comment) == ("down", "Wrong date.")
    assert shown[4] is not None and (shown[4].rating, shown[4].comment) == ("up", None)
    assert read_stats(repo, "alice").feedback.model_dump() == {"up": 1, "down": 1}

    # Changed: down -> up moves one count from down to up; the comment goes with it.
    changed = ratings.rate("alice", conversation_id, 2, FeedbackRequest(rating="up"))
    assert changed.feedback is not None and changed.feedback.comment is None
    assert read_stats(repo, "alice").feedback.model_dump() == {"up": 2, "down": 0}
    # Only the comment changes: the counts do not.
    ratings.rate("alice", conversation_id, 2, FeedbackRequest(rating="up", comment="Great"))
    assert read_stats(repo, "alice").feedback.model_dump() == {"up": 2, "down": 0}
    # Taken back.
    cleared = ratings.rate("alice", conversation_id, 4, None)
    assert cleared.feedback is None
    assert repo.get_message("alice", conversation_id, 4).feedback is None  # type: ignore[union-attr]
    assert read_stats(repo, "alice").feedback.model_dump() == {"up": 1, "down": 0}
    # Taking back what is not there changes nothing (and is not an error).
    ratings.rate("alice", conversation_id, 4, None)
    assert read_stats(repo, "alice").feedback.model_dump() == {"up": 1, "down": 0}


def test_deleting_a_conversation_takes_its_ratings_out_of_the_totals(
    turn: InProcessTurn,
    ratings: FeedbackService,
    conversations: ConversationService,
    repo: DynamoChatRepository,
    clock: ManualClock,
) -> None:
    kept = two_turns(turn, clock)
    gone = two_turns(turn, clock)
    ratings.rate("alice", kept, 2, FeedbackRequest(rating="down"))
    ratings.rate("alice", gone, 2, FeedbackRequest(rating="up"))
    ratings.rate("alice", gone, 4, FeedbackRequest(rating="up"))
    conversations.delete("alice", gone)
    assert read_stats(repo, "alice").feedback.model_dump() == {"up": 0, "down": 1}
    with pytest.raises(NotFound):
        ratings.rate("alice", gone, 2, FeedbackRequest(rating="down"))


@pytest.mark.parametrize("rating", ["up", "down"])
def test_a_delete_read_before_a_rating_is_refused_and_the_counts_stay_exact(
    turn: InProcessTurn, repo: DynamoChatRepository, clock: ManualClock, rating: str
) -> None:
    """Interleaved by hand: the delete reads the conversation, a rating commits, then
    the delete's transaction (prepared from the read) must be refused, or the rating
    would stay counted in the totals forever."""
    seen, reply = conversation_and_reply(repo, two_turns(turn, clock))
    repo.rate_message("alice", seen, reply, Feedback(rating, None, clock()), clock())
    with pytest.raises(ClaimRejected, match="conversation"):
        repo.delete_conversation("alice", seen, clock(), 0)


def test_a_rating_prepared_before_a_delete_is_refused(
    turn: InProcessTurn, repo: DynamoChatRepository, clock: ManualClock
) -> None:
    seen, reply = conversation_and_reply(repo, two_turns(turn, clock))
    repo.delete_conversation("alice", seen, clock(), 0)
    with pytest.raises(ClaimRejected, match="conversation"):
        repo.rate_message("alice", seen, reply, Feedback("up", None, clock()), clock())
    assert read_stats(repo, "alice").feedback.model_dump() == {"up": 0, "down": 0}


def test_two_ratings_prepared_from_one_read_count_once(
    turn: InProcessTurn, repo: DynamoChatRepository, clock: ManualClock
) -> None:
    seen, reply = conversation_and_reply(repo, two_turns(turn, clock))
    repo.rate_message("alice", seen, reply, Feedback("up", None, clock()), clock())
    with pytest.raises(ClaimRejected, match="message"):
        repo.rate_message("alice", seen, reply, Feedback("down", None, clock()), clock())
    assert read_stats(repo, "alice").feedback.model_dump() == {"up": 1, "down": 0}


def test_only_replies_that_exist_in_your_own_conversation_can_be_rated(
    turn: InProcessTurn, ratings: FeedbackService, repo: DynamoChatRepository, clock: ManualClock
) -> None:
    conversation_id = two_turns(turn, clock)
    with pytest.raises(InvalidRequest, match="replies"):
        ratings.rate("alice", conversation_id, 1, FeedbackRequest(rating="up"))
    with pytest.raises(NotFound, match="seq"):
        ratings.rate("alice", conversation_id, 5, FeedbackRequest(rating="up"))
    with pytest.raises(Forbidden):
        ratings.rate("mallory", conversation_id, 2, FeedbackRequest(rating="down"))
    assert repo.get_message("alice", conversation_id, 2).feedback is None  # type: ignore[union-attr]
    assert read_stats(repo, "alice").feedback.model_dump() == {"up": 0, "down": 0}


def test_the_comment_is_bounded_and_the_rating_is_up_or_down() -> None:
    with pytest.raises(ValueError, match="2000"):
        FeedbackRequest(rating="up", comment="x" * 2001)
    with pytest.raises(ValueError, match="'up' or 'down'"):
        FeedbackRequest.model_validate({"rating": "meh"})


def test_a_rating_costs_three_requests_and_its_billed_units(
    dynamodb: Any,
    turn: InProcessTurn,
    ratings: FeedbackService,
    clock: ManualClock,
) -> None:
    conversation_id = two_turns(turn, clock)
    meter = DynamoMeter().attach(dynamodb)
    shapes = shapes_from_template({"ChatTable": "chat-unit"})
    bill = BillingMeter(shapes, boto3.client("dynamodb", region_name="us-east-1")).attach(dynamodb)
    ratings.rate("alice", conversation_id, 2, FeedbackRequest(rating="up"))
    assert meter.operations == {"GetItem": 2, "TransactWriteItems": 1}
    # Transactional: reply 2 + conversation 2 (+1 its listing-index copy) + stats 2.
    assert bill.write_units == 7


def test_a_rating_that_keeps_colliding_is_409_with_retry_after(
    turn: InProcessTurn, repo: DynamoChatRepository, settings: Settings, clock: ManualClock
) -> None:
    conversation_id = two_turns(turn, clock)

    class AlwaysRefused(RepositoryWith):
        def rate_message(self, *_: object) -> None:
            raise ClaimRejected(Refusal.MESSAGE_CHANGED)

    ratings = FeedbackService(
        AlwaysRefused(repo),
        settings,
        clock=clock,
        retry=RetryPolicy(attempts=3, sleep=lambda _: None),
    )
    with pytest.raises(ConversationBusy) as busy:
        ratings.rate("alice", conversation_id, 2, FeedbackRequest(rating="up"))
    assert busy.value.retry_after == settings.busy_retry_after_seconds


def test_the_user_s_stats_item_holds_no_counter_of_an_unnamed_agent(
    dynamodb: Any,
    turn: InProcessTurn,
    ratings: FeedbackService,
    conversations: ConversationService,
    clock: ManualClock,
) -> None:
    """Every counter written is named for what it counts: a rating touches the rating
    counts only, never an agent type's (which would read \"active#None\")."""
    conversation_id = two_turns(turn, clock)
    ratings.rate("alice", conversation_id, 2, FeedbackRequest(rating="up"))
    ratings.rate("alice", conversation_id, 2, None)
    conversations.delete("alice", conversation_id)
    item = dynamodb.get_item(
        TableName="chat-unit", Key={"PK": {"S": "USER#alice"}, "SK": {"S": "STATS"}}
    )["Item"]
    assert not [name for name in item if "None" in name]
    assert {"active#general", "feedback_up", "feedback_down"} <= set(item)
