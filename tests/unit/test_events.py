"""The sample events of events/ (for `sam local invoke`) are valid for their handlers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from chat_core import wiring
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.services.chat import ChatTurn
from chat_core.settings import Settings
from tests.support.events import ROOT, LambdaContext, load_handler
from tests.support.fakes import FakeModel
from tests.support.template import load_template
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
    monkeypatch.setattr(wiring, "chat_turn", lambda: ChatTurn(repo, FakeModel(), settings))
    yield
    monkeypatch.undo()
    wiring.reset()


def test_every_function_has_a_sample_event() -> None:
    assert sorted(p.stem for p in EVENTS.glob("*.json")) == function_folders()


@pytest.mark.parametrize("folder", function_folders())
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
