"""What the local stub model streamed, found by the message it answered (GET
/local/openai/v1/_streams): a test or benchmark reads the record of its own turn,
never one found by time, where another request (a previous conversation's title) may
come first."""

from __future__ import annotations

from typing import Any

from tests.support.api_client import ApiClient


def stub_record_of(stack: Any, marker: str) -> dict[str, Any]:
    """The stub's record of the reply to the one message holding ``marker``."""
    streams = ApiClient(stack.base_url, "x").get("/local/openai/v1/_streams").body["streams"]
    mine = [r for r in streams.values() if not r["title"] and marker in r["asked"]]
    assert len(mine) == 1, f"{len(mine)} stub records answer {marker!r}"
    return dict(mine[0])
