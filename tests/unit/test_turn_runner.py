"""The worker's half of a turn on moto: what each open connection receives, Stop, and ends."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chat_core.errors import AgentUnavailable, NotFound, StorageUnavailable
from chat_core.live.connections import Delivery
from chat_core.live.relay import MAX_PIECE_CHARS
from chat_core.models import ChatRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.repository.port import StorageFault
from chat_core.services.turn_runner import TurnRunner
from chat_core.settings import Settings
from tests.support.fakes import FakeModel, ManualClock, RepositoryWith
from tests.support.turns import InProcessTurn


class RecordingPoster:
    """Connections that receive events; ``gone`` ones answer like a 410."""

    def __init__(self, gone: set[str] | None = None, flaky: set[str] | None = None) -> None:
        self.received: dict[str, list[dict[str, Any]]] = {}
        self.gone = gone or set()
        self.flaky = flaky or set()  # these fail their first post (a throttle, a timeout)
        self.on_post: Any = None

    def post(self, connection_id: str, data: bytes) -> Delivery:
        if connection_id in self.gone:
            return "gone"
        if connection_id in self.flaky:
            self.flaky.discard(connection_id)
            return "failed"
        self.received.setdefault(connection_id, []).append(json.loads(data))
        if self.on_post:
            self.on_post(connection_id, self.received[connection_id][-1])
        return "delivered"

    def text(self, connection_id: str) -> str:
        text = ""
        for event in self.received[connection_id]:
            if event["type"] == "turn.started":
                text = event["text"]
            elif event["type"] == "turn.delta":
                assert event["offset"] == len(text), "deltas arrive in order, without gaps"
                text += event["text"]
        return text


def deleting_at_the_first_text(
    repo: DynamoChatRepository, conversation_id: str, clock: ManualClock, *, then_ms: int
) -> Callable[[str, dict[str, Any]], None]:
    """A tab that deletes the conversation when the reply's first text reaches it, then
    lets ``then_ms`` pass."""
    deleted = threading.Event()

    def on_post(connection_id: str, event: dict[str, Any]) -> None:
        if event["type"] == "turn.delta" and not deleted.is_set():
            deleted.set()
            conversation = repo.get_conversation("alice", conversation_id)
            assert conversation is not None
            repo.delete_conversation("alice", conversation, clock.now, 2**31)
            clock.advance(then_ms)

    return on_post


def fast_settings(**changes: Any) -> Settings:
    defaults: dict[str, Any] = {"live_poll_seconds": 0.05, "stream_flush_ms": 0}
    return Settings(table_name="chat-unit", **(defaults | changes))


def test_every_connection_of_the_user_gets_the_reply_and_a_late_one_catches_up(
    repo: DynamoChatRepository,
) -> None:
    poster = RecordingPoster()
    model = FakeModel(pause_seconds=0.05, pieces_per_reply=12)
    turn = InProcessTurn(repo, model, fast_settings(), poster=poster)
    repo.add_connection("alice", "tab-1", 0, 2**31)
    repo.add_connection("bob", "bobs-tab", 0, 2**31)

    def join_midway(connection_id: str, event: dict[str, Any]) -> None:
        if event["type"] == "turn.delta" and event["offset"] > 10 and connection_id == "tab-1":
            repo.add_connection("alice", "tab-2", 0, 2**31)

    poster.on_post = join_midway
    outcome = turn.run("alice", ChatRequest(message="hello there"))
    reply = outcome.response.reply.content
    assert poster.text("tab-1") == reply
    late = poster.received["tab-2"]
    assert late[0]["type"] == "turn.started" and 0 < len(late[0]["text"]) < len(reply)
    assert poster.text("tab-2") == reply
    assert late[-1]["type"] == "turn.completed"
    assert "bobs-tab" not in poster.received, "events go to the owner's connections only"


def test_a_gone_connection_is_dropped_and_forgotten(repo: DynamoChatRepository) -> None:
    poster = RecordingPoster(gone={"closed-tab"})
    turn = InProcessTurn(repo, FakeModel(), fast_settings(), poster=poster)
    repo.add_connection("alice", "closed-tab", 0, 2**31)
    repo.add_connection("alice", "open-tab", 0, 2**31)
    turn.run("alice", ChatRequest(message="hi"))
    assert repo.live_state("alice").connections == {"open-tab"}
    assert poster.received["open-tab"][-1]["type"] == "turn.completed"


def test_a_failed_post_keeps_the_connection_for_what_follows(
    repo: DynamoChatRepository,
) -> None:
    poster = RecordingPoster(flaky={"tab"})
    turn = InProcessTurn(repo, FakeModel(pieces_per_reply=4), fast_settings(), poster=poster)
    repo.add_connection("alice", "tab", 0, 2**31)
    turn.run("alice", ChatRequest(message="hi"))
    assert repo.live_state("alice").connections == {"tab"}
    assert poster.received["tab"][-1]["type"] == "turn.completed"


def test_a_long_text_so_far_reaches_a_late_joiner_in_pieces_under_the_frame_limit(
    repo: DynamoChatRepository,
) -> None:
    poster = RecordingPoster()
    model = FakeModel(pause_seconds=0.02, pieces_per_reply=40)
    turn = InProcessTurn(repo, model, fast_settings(), poster=poster)
    repo.add_connection("alice", "tab-1", 0, 2**31)

    def join_late(connection_id: str, event: dict[str, Any]) -> None:
        if event["type"] == "turn.delta" and event["offset"] > 9000 and connection_id == "tab-1":
            repo.add_connection("alice", "tab-2", 0, 2**31)

    poster.on_post = join_late
    outcome = turn.run("alice", ChatRequest(message="x" * 12_000))
    assert poster.text("tab-2") == outcome.response.reply.content
    for events in poster.received.values():
        for event in events:
            assert len(event.get("text", "")) <= MAX_PIECE_CHARS
            assert len(json.dumps(event).encode()) < 32 * 1024


def test_stop_closes_the_stream_and_stores_what_was_written(
    repo: DynamoChatRepository,
) -> None:
    poster = RecordingPoster()
    model = FakeModel(pause_seconds=0.05, pieces_per_reply=40)
    turn = InProcessTurn(repo, model, fast_settings(), poster=poster)
    repo.add_connection("alice", "tab", 0, 2**31)
    first = turn.run("alice", ChatRequest(message="first")).response.conversation_id
    stopped = threading.Event()

    def stop_after_some_text(connection_id: str, event: dict[str, Any]) -> None:
        if event["type"] == "turn.delta" and event["offset"] > 5 and not stopped.is_set():
            stopped.set()
            conversation = repo.get_conversation("alice", first)
            assert conversation is not None and conversation.turn_id
            repo.request_stop("alice", first, conversation.turn_id, 2**31)

    poster.on_post = stop_after_some_text
    outcome = turn.run("alice", ChatRequest(message="go on", conversation_id=first))
    reply = outcome.response.reply
    assert reply.status == "stopped"
    assert 0 < len(reply.content) < len("reply to 'go on' (history 3)")
    assert model.streams[-1].closed.is_set(), "the model's stream was closed"
    conversation = repo.get_conversation("alice", first)
    assert conversation is not None and conversation.turn_id is None  # the lease is free


def test_a_stream_that_breaks_mid_reply_is_stored_as_incomplete(
    repo: DynamoChatRepository,
) -> None:
    poster = RecordingPoster()
    turn = InProcessTurn(
        repo, FakeModel(break_after=2, pieces_per_reply=6), fast_settings(), poster=poster
    )
    repo.add_connection("alice", "tab", 0, 2**31)
    outcome = turn.run("alice", ChatRequest(message="hello"))
    assert outcome.response.reply.status == "incomplete"
    completed = poster.received["tab"][-1]
    assert completed["type"] == "turn.completed"
    assert completed["error"]["code"] == "agent_unavailable"
    assert completed["reply"]["content"] == poster.text("tab") != ""


class SteppingMonotonic:
    """A monotonic clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now = 1000.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_a_reply_past_the_deadline_keeps_what_was_written_as_incomplete(
    repo: DynamoChatRepository,
) -> None:
    poster = RecordingPoster()
    settings = fast_settings(turn_deadline_seconds=10, live_poll_seconds=10)
    model = FakeModel(pieces_per_reply=30)
    turn = InProcessTurn(repo, model, settings, poster=poster)
    runner = TurnRunner(repo, model, settings, poster, monotonic=SteppingMonotonic(1.0))
    repo.add_connection("alice", "tab", 0, 2**31)
    outcome = runner.run(turn.start("alice", ChatRequest(message="a long question")))
    reply = outcome.response.reply
    assert reply.status == "incomplete"
    full = "reply to 'a long question' (history 0)"
    assert 0 < len(reply.content) < len(full) and full.startswith(reply.content)
    completed = poster.received["tab"][-1]
    assert completed["type"] == "turn.completed"
    assert "longer than 10 s" in completed["error"]["message"]
    assert poster.text("tab") == reply.content  # every kept character reached the tab
    assert model.streams[-1].closed.is_set()


def test_a_turn_that_loses_its_conversation_mid_reply_stores_nothing(
    repo: DynamoChatRepository, clock: ManualClock
) -> None:
    poster = RecordingPoster()
    settings = fast_settings(turn_lease_seconds=10)
    model = FakeModel(pause_seconds=0.05, pieces_per_reply=40)
    turn = InProcessTurn(repo, model, settings, poster=poster, clock=clock)
    repo.add_connection("alice", "tab", 0, 2**31)
    conversation_id = turn.run("alice", ChatRequest(message="first")).response.conversation_id
    # past half the lease once deleted: the turn extends it, and finds out
    poster.on_post = deleting_at_the_first_text(repo, conversation_id, clock, then_ms=6_000)
    with pytest.raises(NotFound):
        turn.run("alice", ChatRequest(message="go on", conversation_id=conversation_id))
    assert poster.received["tab"][-1]["type"] == "turn.failed"
    stored = repo.latest_messages("alice", conversation_id, 10)
    assert [m.role for m in stored] == ["user", "assistant", "user"]  # no reply stored
    assert model.streams[-1].closed.is_set()


def test_a_long_reply_extends_its_lease_once_half_of_it_is_used(
    repo: DynamoChatRepository, clock: ManualClock
) -> None:
    extended: list[int] = []

    class Recording(RepositoryWith):
        def extend_lease(self, claim: Any, lease_until: int) -> None:
            extended.append(lease_until)
            repo.extend_lease(claim, lease_until)

    settings = fast_settings(turn_lease_seconds=10)
    model = FakeModel(pause_seconds=0.02, pieces_per_reply=10)
    turn = InProcessTurn(Recording(repo), model, settings, clock=clock)
    started = turn.start("alice", ChatRequest(message="hi"))
    clock.advance(4_999)  # not yet half of the 10 s lease: no write
    turn.runner.run(started)
    assert extended == []
    started = turn.start("alice", ChatRequest(message="again"))
    clock.advance(5_000)  # half of it used: one extension, to a whole lease from now
    turn.runner.run(started)
    assert extended == [clock.now + 10_000]


def test_a_failed_turn_tells_the_tabs_which_conversation_and_frees_it(
    repo: DynamoChatRepository, clock: ManualClock
) -> None:
    poster = RecordingPoster()
    model = FakeModel()
    turn = InProcessTurn(repo, model, fast_settings(), poster=poster, clock=clock)
    repo.add_connection("alice", "tab-1", 0, 2**31)
    model.fail_with = "down"
    with pytest.raises(AgentUnavailable) as failed:
        turn.run("alice", ChatRequest(message="hello"))
    conversation_id = failed.value.extra["conversation_id"]
    (event,) = [e for e in poster.received["tab-1"] if e["type"] == "turn.failed"]
    assert event["conversation_id"] == conversation_id
    assert event["error"]["conversation_id"] == conversation_id  # the error says where
    conversation = repo.get_conversation("alice", str(conversation_id))
    assert conversation is not None and conversation.turn_id is None


def test_a_turn_whose_lease_was_taken_over_fails_with_its_own_error_not_a_lost_lease(
    repo: DynamoChatRepository, clock: ManualClock
) -> None:
    """The release is refused (another turn holds the conversation): that refusal is not
    the caller's answer; the model's failure is."""
    model = FakeModel()
    settings = fast_settings(turn_lease_seconds=5)
    turn = InProcessTurn(repo, model, settings, clock=clock)
    conversation_id = turn.run("alice", ChatRequest(message="one")).response.conversation_id
    follow_up = ChatRequest(message="two", conversation_id=conversation_id)
    stale = turn.start("alice", follow_up)
    # Seen from another instance 6 s later the lease has expired, and its turn takes over;
    # the stale worker's own clock has not moved, so it goes on to the model.
    later = InProcessTurn(repo, model, settings, clock=ManualClock(clock.now + 6000))
    later.start("alice", ChatRequest(message="three", conversation_id=conversation_id))
    model.fail_with = "down"
    with pytest.raises(AgentUnavailable):
        turn.runner.run(stale)


def test_a_release_whose_writes_keep_colliding_still_answers_the_turns_error(
    dynamodb: Any, repo: DynamoChatRepository, clock: ManualClock
) -> None:
    model = FakeModel()
    turn = InProcessTurn(repo, model, fast_settings(), clock=clock)
    started = turn.start("alice", ChatRequest(message="hello"))

    def every_transaction_collides(model: Any, params: Any, **_: Any) -> None:
        if model.name == "TransactWriteItems":
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                    "CancellationReasons": [
                        {"Code": "TransactionConflict"} for _ in params["TransactItems"]
                    ],
                },
                "TransactWriteItems",
            )

    dynamodb.meta.events.register("before-parameter-build.dynamodb", every_transaction_collides)
    model.fail_with = "down"
    with pytest.raises(AgentUnavailable):  # not a TypeError from an exhausted release
        turn.runner.run(started)


def test_a_conversation_deleted_while_its_reply_was_written_stores_no_reply(
    repo: DynamoChatRepository, clock: ManualClock
) -> None:
    """Deleted before the reply's transaction, with the lease still young: the reply is
    refused there (not at a lease extension), the caller hears 404 and the tabs are told."""
    poster = RecordingPoster()
    model = FakeModel(pause_seconds=0.01, pieces_per_reply=3)
    turn = InProcessTurn(repo, model, fast_settings(), poster=poster, clock=clock)
    repo.add_connection("alice", "tab", 0, 2**31)
    conversation_id = turn.run("alice", ChatRequest(message="first")).response.conversation_id
    poster.on_post = deleting_at_the_first_text(repo, conversation_id, clock, then_ms=0)
    with pytest.raises(NotFound, match="deleted while the reply was being written"):
        turn.run("alice", ChatRequest(message="go on", conversation_id=conversation_id))
    failed = poster.received["tab"][-1]
    assert failed["type"] == "turn.failed" and failed["error"]["code"] == "not_found"
    stored = repo.latest_messages("alice", conversation_id, 10)
    assert [m.role for m in stored] == ["user", "assistant", "user"]  # no reply stored


def test_coalesced_text_reaches_the_tabs_whole_and_never_as_an_empty_delta(
    repo: DynamoChatRepository,
) -> None:
    """With deltas coalesced (a flush interval longer than the reply), the last text is
    sent when the model is done; no delta is ever empty."""
    poster = RecordingPoster()
    model = FakeModel(pause_seconds=0.01, pieces_per_reply=8)
    turn = InProcessTurn(repo, model, fast_settings(stream_flush_ms=2000), poster=poster)
    repo.add_connection("alice", "tab", 0, 2**31)
    reply = turn.run("alice", ChatRequest(message="hello")).response.reply.content
    assert poster.text("tab") == reply
    deltas = [e for e in poster.received["tab"] if e["type"] == "turn.delta"]
    assert deltas and all(e["text"] for e in deltas)


class BrokenHistory(DynamoChatRepository):
    """A bug where the history is read: not a storage fault, an exception of any kind."""

    def latest_messages(self, sub: str, conversation_id: str, limit: int) -> Any:
        raise KeyError("a bug in the history read")


def test_a_crash_inside_a_turn_fails_it_cleanly_and_tells_the_tabs(
    dynamodb: Any, repo: DynamoChatRepository, clock: ManualClock
) -> None:
    """Whatever breaks: the caller hears 503, the tabs hear turn.failed (after the
    turn.started a new tab is owed), the message is kept as failed, the conversation freed."""
    conversation_id = (
        InProcessTurn(repo, FakeModel(), fast_settings(), clock=clock)
        .run("alice", ChatRequest(message="first"))
        .response.conversation_id
    )
    poster = RecordingPoster()
    broken = BrokenHistory("chat-unit", client=dynamodb)
    turn = InProcessTurn(broken, FakeModel(), fast_settings(), poster=poster, clock=clock)
    started = turn.start("alice", ChatRequest(message="second", conversation_id=conversation_id))
    repo.add_connection("alice", "tab", 0, 2**31)
    with pytest.raises(StorageUnavailable) as crashed:
        turn.runner.run(started)
    assert crashed.value.retry_after == 1
    *opened, failed = poster.received["tab"]
    assert opened and all(e["type"] == "turn.started" for e in opened)
    assert all(e["text"] == "" and e["turn_id"] == started.claim.turn_id for e in opened)
    assert failed["type"] == "turn.failed" and failed["conversation_id"] == conversation_id
    (kept, *_) = repo.latest_messages("alice", conversation_id, 5)
    assert (kept.content, kept.status) == ("second", "failed")
    conversation = repo.get_conversation("alice", conversation_id)
    assert conversation is not None and conversation.turn_id is None


def test_a_history_that_cannot_be_read_fails_the_turn_as_storage_keeping_the_message(
    repo: DynamoChatRepository, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    poster = RecordingPoster()
    turn = InProcessTurn(repo, FakeModel(), fast_settings(), poster=poster, clock=clock)
    repo.add_connection("alice", "tab", 0, 2**31)
    conversation_id = turn.run("alice", ChatRequest(message="one")).response.conversation_id

    def unreadable(*_: object) -> None:
        raise StorageFault("ProvisionedThroughputExceededException", transient=True)

    monkeypatch.setattr(repo, "latest_messages", unreadable)
    with pytest.raises(StorageUnavailable) as failed:
        turn.run("alice", ChatRequest(message="two", conversation_id=conversation_id))
    assert failed.value.retry_after == 1
    assert poster.received["tab"][-1]["type"] == "turn.failed"
    monkeypatch.undo()
    last = repo.latest_messages("alice", conversation_id, 1)[0]
    assert (last.seq, last.content, last.status) == (3, "two", "failed")


def test_a_stream_that_breaks_before_any_text_fails_the_turn_with_the_model_s_reason(
    repo: DynamoChatRepository, clock: ManualClock
) -> None:
    model = FakeModel(break_after=0)
    turn = InProcessTurn(repo, model, fast_settings(), clock=clock)
    with pytest.raises(AgentUnavailable) as failed:
        turn.run("alice", ChatRequest(message="hello"))
    assert failed.value.extra["reason"] == "model stream broke: fake"
    conversation_id = str(failed.value.extra["conversation_id"])
    stored = repo.latest_messages("alice", conversation_id, 5)
    assert [(m.role, m.status) for m in stored] == [("user", "failed")]  # no empty reply


def test_a_turn_that_lost_its_conversation_says_so(
    repo: DynamoChatRepository, clock: ManualClock
) -> None:
    model = FakeModel(pause_seconds=0.05, pieces_per_reply=40)
    poster = RecordingPoster()
    turn = InProcessTurn(
        repo, model, fast_settings(turn_lease_seconds=10), poster=poster, clock=clock
    )
    repo.add_connection("alice", "tab", 0, 2**31)
    conversation_id = turn.run("alice", ChatRequest(message="first")).response.conversation_id
    poster.on_post = deleting_at_the_first_text(repo, conversation_id, clock, then_ms=6_000)
    with pytest.raises(NotFound) as lost:
        turn.run("alice", ChatRequest(message="go on", conversation_id=conversation_id))
    assert "another turn took it over" in lost.value.message


def test_a_turn_whose_lease_is_gone_before_the_model_is_asked_says_so(
    repo: DynamoChatRepository, clock: ManualClock
) -> None:
    model = FakeModel()
    turn = InProcessTurn(repo, model, fast_settings(turn_lease_seconds=10), clock=clock)
    conversation_id = turn.run("alice", ChatRequest(message="one")).response.conversation_id
    started = turn.start("alice", ChatRequest(message="two", conversation_id=conversation_id))
    clock.advance(6_000)  # past half the lease: the worker extends it first, and cannot
    conversation = repo.get_conversation("alice", conversation_id)
    assert conversation is not None
    repo.delete_conversation("alice", conversation, clock(), 2**31)
    asked = len(model.prompts)
    with pytest.raises(NotFound) as lost:
        turn.runner.run(started)
    assert "another turn took it over" in lost.value.message and len(model.prompts) == asked


def test_a_titling_turn_runner_streams_to_the_tabs_like_any(
    repo: DynamoChatRepository, clock: ManualClock
) -> None:
    poster = RecordingPoster()
    asked: list[tuple[str, str]] = []
    turn = InProcessTurn(
        repo,
        FakeModel(),
        fast_settings(),
        poster=poster,
        clock=clock,
        request_title=lambda *a: asked.append(a),
    )
    repo.add_connection("alice", "tab", 0, 2**31)
    reply = turn.run("alice", ChatRequest(message="hello")).response
    assert poster.text("tab") == reply.reply.content and len(asked) == 1
