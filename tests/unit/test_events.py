"""The sample events of events/ (for `sam local invoke`) are valid for their handlers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from chat_core import wiring
from chat_core.live.connections import NoConnections
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.services.title_generator import TitleGenerator
from chat_core.settings import Settings, get_settings
from tests.support.events import ROOT, LambdaContext, load_handler
from tests.support.fakes import FakeModel
from tests.support.template import load_template
from tests.support.turns import InProcessTurn
from tests.unit.conftest import TABLE

EVENTS = ROOT / "events"


def function_folders() -> list[str]:
    return sorted(
        str(r["Properties"]["CodeUri"]).rstrip("/").split("/")[-1]
        for r in load_template()["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function"
    )


@pytest.fixture
def wired(repo: DynamoChatRepository, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TABLE_NAME", TABLE)
    wiring.reset()
    settings = Settings(table_name=TABLE)
    monkeypatch.setattr(wiring, "repository", lambda: repo)
    turn = InProcessTurn(repo, FakeModel(), settings)
    monkeypatch.setattr(wiring, "chat_turn", lambda: turn)
    monkeypatch.setattr(wiring, "turn_runner", lambda: turn.runner)
    yield
    monkeypatch.undo()
    wiring.reset()


def test_every_function_has_a_sample_event() -> None:
    assert sorted(p.stem for p in EVENTS.glob("*.json")) == function_folders()


NOT_HTTP = {
    "ws_authorizer",
    "ws_connect",
    "ws_disconnect",
    "ws_default",
    "turn_worker",
    "title_worker",
}


@pytest.mark.parametrize("folder", [f for f in function_folders() if f not in NOT_HTTP])
def test_the_sample_event_runs_through_its_handler(folder: str, wired: None) -> None:
    event = json.loads(Path(EVENTS / f"{folder}.json").read_text())
    response = load_handler(folder).lambda_handler(event, LambdaContext())
    if "statusCode" not in response:  # the stream-triggered purge
        assert response == {"purged_messages": 0}
        return
    # The sample conversation id does not exist in an empty table: 404 is the right answer.
    expected = (
        404
        if "{id}" in event["routeKey"]
        else {"POST /v1/chat": 201, "POST /v1/conversations": 201}.get(event["routeKey"], 200)
    )
    assert response["statusCode"] == expected, response["body"]


def load_event(folder: str) -> dict[str, object]:
    event: dict[str, object] = json.loads(Path(EVENTS / f"{folder}.json").read_text())
    return event


def test_the_websocket_samples_run_through_their_handlers(
    wired: None, repo: DynamoChatRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_ISSUER", "http://127.0.0.1:9/issuer")  # nothing listens there
    get_settings.cache_clear()
    wiring.jwt_verifier.cache_clear()
    with pytest.raises(Exception, match=r"^Unauthorized$"):  # a placeholder token
        load_handler("ws_authorizer").lambda_handler(load_event("ws_authorizer"), LambdaContext())
    connected = load_handler("ws_connect").lambda_handler(load_event("ws_connect"), LambdaContext())
    assert connected == {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": "chat.v1"}}
    assert repo.live_state("alice").connections == {"Yx1Zabc2oAMCJwA="}
    pong = load_handler("ws_default").lambda_handler(load_event("ws_default"), LambdaContext())
    assert json.loads(pong["body"]) == {"type": "pong"}
    load_handler("ws_disconnect").lambda_handler(load_event("ws_disconnect"), LambdaContext())
    assert repo.live_state("alice").connections == frozenset()


def test_the_worker_sample_runs_and_reports_the_missing_conversation(wired: None) -> None:
    answer = load_handler("turn_worker").lambda_handler(load_event("turn_worker"), LambdaContext())
    assert answer["error"]["code"] == "not_found"


def test_the_title_worker_sample_finds_nothing_to_title(
    wired: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = FakeModel()
    generator = TitleGenerator(wiring.repository(), model, NoConnections())
    monkeypatch.setattr(wiring, "title_generator", lambda: generator)
    handler = load_handler("title_worker").lambda_handler
    answer = handler(load_event("title_worker"), LambdaContext())
    assert answer == {"title": None} and model.prompts == []
