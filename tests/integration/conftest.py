"""Integration tests run the real stack: local gateway + handlers + DynamoDB Local + stub model."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from local.testing import running_stack
from tests.support.api_client import ApiClient
from tests.support.live_client import LiveClient
from tests.support.mcp_lab import Lab, lab_stack_environment, running_lab

pytestmark = pytest.mark.integration


# Generous limits so tests that send many turns measure behaviour, not the rate limit.
# Generated titles are off in the shared stack: a title that changes a moment after the
# first reply would race every test that reads one; tests/integration/
# test_generated_titles.py runs a stack of its own with them on.
STACK_ENV = {
    "RATE_LIMIT_TURNS_PER_MINUTE": "10000",
    "RATE_LIMIT_ACTIONS_PER_MINUTE": "10000",
    "MAX_ACTIVE_CONVERSATIONS": "5",
}


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """The tests' MCP server, which the shared stack's "lab" agent type uses."""
    with running_lab() as (lab, server):
        lab.url = server.url
        yield lab


def stack_environment(lab: Lab, folder: Path) -> dict[str, str]:
    """The shared stack's environment: generous limits, no generated titles, and the
    "lab" agent type with its MCP servers."""
    return {**STACK_ENV, **lab_stack_environment(lab.url, folder), "GENERATE_TITLES": "false"}


@pytest.fixture(scope="session")
def stack(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with running_stack(env=stack_environment(lab, tmp_path_factory.mktemp("agents"))) as running:
        yield running


@pytest.fixture
def client_for(stack: Any) -> Callable[[str], ApiClient]:
    """A client signed in as the given user (a fresh token from the dev IdP)."""

    def make(sub: str) -> ApiClient:
        return ApiClient(stack.base_url, stack.token(sub))

    return make


@pytest.fixture
def unique_user(request: pytest.FixtureRequest) -> str:
    """A user of its own per test, so tests sharing the stack never see each other's data."""
    import uuid

    return f"{request.node.name[:40]}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def alice(client_for: Callable[[str], ApiClient], unique_user: str) -> ApiClient:
    return client_for(unique_user)


@pytest.fixture
def mallory(client_for: Callable[[str], ApiClient], unique_user: str) -> ApiClient:
    return client_for(unique_user + "-mallory")


@pytest.fixture
def live(stack: Any, unique_user: str) -> Iterator[Callable[[], LiveClient]]:
    """Opens WebSocket connections as the test's user; closes them afterwards."""
    opened: list[LiveClient] = []

    def open_one() -> LiveClient:
        client = LiveClient(stack.base_url, stack.token(unique_user))
        opened.append(client)
        return client

    yield open_one
    for client in opened:
        client.close()
