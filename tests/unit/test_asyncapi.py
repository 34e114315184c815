"""The AsyncAPI document of the WebSocket is generated from the event models and agrees
with the contract's event table (docs/api.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from scripts.asyncapi import OUTPUT, build_document, render

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_committed_document_is_current() -> None:
    assert Path(OUTPUT).read_text() == render(build_document()), "run `make openapi`"


def test_the_contract_lists_exactly_the_events_the_worker_sends() -> None:
    document = json.loads(Path(OUTPUT).read_text())
    sent = {
        document["components"]["schemas"][name]["properties"]["type"]["const"]
        for name in ("TurnStarted", "TurnDelta", "TurnReasoning", "TurnCompleted", "TurnFailed")
    }
    documented = set(re.findall(r"^\| `(turn\.[a-z]+)` \|", CONTRACT.read_text(), re.MULTILINE))
    assert (
        documented
        == sent
        == {
            "turn.started",
            "turn.delta",
            "turn.reasoning",
            "turn.completed",
            "turn.failed",
        }
    )
