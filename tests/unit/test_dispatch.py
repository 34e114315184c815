"""The chat function <-> turn worker protocol, through LambdaDispatcher and worker_result.

Lambda itself cannot run here (moto's Lambda needs Docker), so a stand-in client hands
the dispatcher's payload to ``worker_result`` exactly as the worker function does and
returns its answer as Lambda's Invoke API would: bytes in ``Payload``. What crosses
the wire is the real JSON both ways.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from chat_core.errors import AgentUnavailable, ApiError
from chat_core.models import ChatRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.services import dispatch, title_dispatch
from chat_core.services.api_shapes import message_to_api
from chat_core.services.dispatch import (
    DispatchFailed,
    InProcessDispatcher,
    LambdaDispatcher,
    worker_result,
)
from chat_core.settings import Settings
from tests.support.fakes import FakeModel, ManualClock
from tests.support.turns import InProcessTurn
from tests.support.waiting import eventually


class InvokeApi:
    """Lambda's Invoke API, running the worker's handler body in this process."""

    def __init__(self, turn: InProcessTurn) -> None:
        self.turn = turn
        self.calls: list[dict[str, Any]] = []
        self.raise_error: Exception | None = None
        self.function_error: str | None = None

    def invoke(self, **call: Any) -> dict[str, Any]:
        self.calls.append(call)
        if self.raise_error:
            raise self.raise_error
        if self.function_error:
            return {
                "FunctionError": "Unhandled",
                "Payload": io.BytesIO(self.function_error.encode()),
            }
        if call["InvocationType"] == "Event":
            return {"StatusCode": 202, "Payload": io.BytesIO(b"")}
        result = worker_result(self.turn.runner.run, json.loads(call["Payload"]))
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(result).encode())}


@pytest.fixture
def invoke_api(turn: InProcessTurn) -> InvokeApi:
    return InvokeApi(turn)


@pytest.fixture
def dispatcher(invoke_api: InvokeApi) -> LambdaDispatcher:
    dispatcher = LambdaDispatcher("chat-turn-worker-dev", wait_seconds=25)
    dispatcher._sync = invoke_api
    dispatcher._async = invoke_api
    return dispatcher


def test_a_plain_turn_comes_back_from_the_worker_as_the_same_outcome(
    turn: InProcessTurn, dispatcher: LambdaDispatcher, invoke_api: InvokeApi
) -> None:
    started = turn.start("alice", ChatRequest(message="Hello there"))
    outcome = dispatcher.wait(started, 25)
    assert outcome is not None
    assert outcome.response.conversation_id == started.claim.conversation.id
    assert outcome.response.reply.content == "reply to 'Hello there' (history 1)"
    assert outcome.response.user_message == message_to_api(started.claim.user_message)
    (call,) = invoke_api.calls
    assert call["FunctionName"] == "chat-turn-worker-dev"
    assert call["InvocationType"] == "RequestResponse"


def test_a_streamed_turn_is_an_event_invoke_of_the_worker(
    turn: InProcessTurn, dispatcher: LambdaDispatcher, invoke_api: InvokeApi
) -> None:
    started = turn.start("alice", ChatRequest(message="Hello there", stream=True))
    dispatcher.start(started)
    (call,) = invoke_api.calls
    assert (call["FunctionName"], call["InvocationType"]) == ("chat-turn-worker-dev", "Event")
    assert json.loads(call["Payload"])["claim"]["turn_id"] == started.claim.turn_id


def test_the_workers_contract_error_reaches_the_caller_as_that_error(
    turn: InProcessTurn, dispatcher: LambdaDispatcher, model: FakeModel
) -> None:
    model.fail_with = "down"
    started = turn.start("alice", ChatRequest(message="Hello there"))
    with pytest.raises(ApiError) as raised:
        dispatcher.wait(started, 25)
    assert (raised.value.status, raised.value.code) == (
        AgentUnavailable.status,
        AgentUnavailable.code,
    )
    assert raised.value.extra["conversation_id"] == started.claim.conversation.id


def test_a_crashed_worker_is_a_500_and_a_worker_out_of_reach_is_dispatch_failed(
    turn: InProcessTurn, dispatcher: LambdaDispatcher, invoke_api: InvokeApi
) -> None:
    started = turn.start("alice", ChatRequest(message="Hello there"))
    invoke_api.function_error = '{"errorMessage": "boom"}'
    with pytest.raises(ApiError) as crashed:
        dispatcher.wait(started, 25)
    assert crashed.value.status == 500
    invoke_api.function_error = None
    invoke_api.raise_error = ClientError(
        {"Error": {"Code": "TooManyRequestsException", "Message": "throttled"}}, "Invoke"
    )
    with pytest.raises(DispatchFailed, match="ClientError"):
        dispatcher.wait(started, 25)
    with pytest.raises(DispatchFailed, match="ClientError"):
        dispatcher.start(started)


def test_a_reply_slower_than_the_wait_is_none_and_left_running(
    turn: InProcessTurn, dispatcher: LambdaDispatcher, invoke_api: InvokeApi
) -> None:
    started = turn.start("alice", ChatRequest(message="Hello there"))
    invoke_api.raise_error = ReadTimeoutError(endpoint_url="http://lambda")
    assert dispatcher.wait(started, 25) is None


def test_in_process_a_reply_slower_than_the_wait_is_none_and_finishes_after(
    repo: DynamoChatRepository, clock: ManualClock
) -> None:
    """The local stack's dispatcher keeps the same promise as Lambda's: the caller waits
    at most the wait, and the reply is stored anyway."""
    model = FakeModel(pause_seconds=0.3, pieces_per_reply=3)
    turn = InProcessTurn(repo, model, Settings(table_name="chat-unit"), clock=clock)
    started = turn.start("alice", ChatRequest(message="slow"))
    dispatcher = InProcessDispatcher(turn.runner)
    assert dispatcher.wait(started, 0.05) is None
    conversation_id = started.claim.conversation.id
    eventually(
        lambda: len(repo.latest_messages("alice", conversation_id, 5)) == 2, "the reply stored"
    )
    stored = repo.latest_messages("alice", conversation_id, 5)
    assert [m.role for m in reversed(stored)] == ["user", "assistant"]


def test_every_lambda_invoke_is_tried_once_and_waits_no_longer_than_the_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An invoke whose answer was lost may have been accepted: botocore's retries would
    start the turn's worker (or the title's) a second time on the same claim."""
    dispatcher = LambdaDispatcher("chat-turn-worker-dev", wait_seconds=25)
    sync, fire = dispatcher._sync.meta.config, dispatcher._async.meta.config
    assert sync.retries["total_max_attempts"] == fire.retries["total_max_attempts"] == 1
    assert (sync.connect_timeout, sync.read_timeout) == (2, 25)  # the chat's wait
    assert (fire.connect_timeout, fire.read_timeout) == (2, 5)  # an Event invoke answers at once

    made: list[Any] = []

    class Client:
        def invoke(self, **call: Any) -> None:
            made.append(call["FunctionName"])

    monkeypatch.setattr(dispatch, "no_retry_lambda_client", lambda: Client())
    title_dispatch.lambda_event("chat-title-worker-dev")("alice", "c-1")
    assert made == ["chat-title-worker-dev"]
