"""Remote MCP tools through the official SDK's client, against a real MCP server over
streamable HTTP on loopback (tests/support/mcp_lab.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import TypeAdapter

from chat_core.agent.catalogue import AgentType, McpServer
from chat_core.tools.box import open_toolbox
from chat_core.tools.mcp_source import forget_listings
from chat_core.tools.spec import ToolFailed
from local.mcp_notes import BackgroundMcpServer
from tests.support.mcp_lab import Lab, lab_environment, lab_servers, running_lab

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def lab() -> Iterator[tuple[Lab, BackgroundMcpServer]]:
    with running_lab() as running:
        yield running


@pytest.fixture
def lab_env(lab: tuple[Lab, BackgroundMcpServer], monkeypatch: pytest.MonkeyPatch) -> Lab:
    for name, value in lab_environment(lab[1].url).items():
        monkeypatch.setenv(name, value)
    forget_listings()
    return lab[0]


def agent(**server: Any) -> AgentType:
    servers = TypeAdapter(list[McpServer]).validate_python(lab_servers())
    if server:
        servers = [TypeAdapter(McpServer).validate_python({**lab_servers()[0], **server})]
    return AgentType(
        name="lab",
        description="lab",
        system_prompt="lab",
        tools=("calculator",),
        mcp_servers=tuple(servers),
    )


def test_the_servers_tools_join_the_builtin_ones_and_a_down_server_is_named(lab_env: Lab) -> None:
    box = open_toolbox(agent())
    assert sorted(box.tools) == ["broken", "calculator", "echo", "erase", "slow"]
    assert [n for n, t in box.tools.items() if t.needs_approval] == ["erase"]
    assert [(s.name, s.reason) for s in box.unavailable] == [("gone", "it cannot be reached")]
    schema = box.tools["echo"].schema()["function"]
    assert schema["name"] == "echo" and schema["parameters"]["required"] == ["text"]


def test_a_call_answers_and_a_failure_or_timeout_is_what_the_model_reads(lab_env: Lab) -> None:
    tools = open_toolbox(agent(timeout_seconds=1)).tools
    assert tools["echo"].invoke('{"text": "hi", "times": 2}', None) == "hi hi"  # type: ignore[arg-type]
    with pytest.raises(ToolFailed, match="the lab's store is offline"):
        tools["broken"].invoke("{}", None)  # type: ignore[arg-type]
    with pytest.raises(ToolFailed, match="did not answer"):
        tools["slow"].invoke('{"seconds": 3}', None)  # type: ignore[arg-type]


def test_arguments_are_checked_against_the_servers_schema(lab_env: Lab) -> None:
    echo = open_toolbox(agent()).tools["echo"]
    assert echo.problem('{"text": "x"}') is None
    assert echo.problem('{"times": 2}') == "Invalid arguments: 'text' is a required property."
    assert echo.problem('{"text": "x", "times": "two"}') == (
        "Invalid arguments: times: 'two' is not of type 'integer'."
    )
    assert echo.problem("[1]") == "Invalid arguments: a JSON object is expected."
    assert echo.problem("{oops") == "Invalid arguments: not JSON."


def test_the_list_is_cached_per_worker_and_only_listed_tools_are_offered(
    lab_env: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_echo = agent(tools=["echo", "erase"], approval=[])
    assert sorted(open_toolbox(only_echo).tools) == ["calculator", "echo", "erase"]
    # Cached: a server that went away still lends its list until the TTL ends (its
    # calls then fail as error outputs).
    monkeypatch.setenv("LAB_MCP_URL", "http://127.0.0.1:9/mcp")
    assert "echo" in open_toolbox(only_echo).tools
    forget_listings()
    assert open_toolbox(only_echo).unavailable[0].reason == "it cannot be reached"


def test_a_wrong_or_missing_secret_or_url_leaves_the_server_out(
    lab_env: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran_before = len(lab_env.calls)
    monkeypatch.setenv("MCP_SECRET_LAB", "wrong")
    assert open_toolbox(agent()).unavailable[0].reason.startswith("it failed")
    monkeypatch.delenv("MCP_SECRET_LAB")
    forget_listings()
    assert open_toolbox(agent()).unavailable[0].reason == "its secret is not configured"
    monkeypatch.delenv("LAB_MCP_URL")
    assert open_toolbox(agent()).unavailable[0].reason == (
        "it is not configured (LAB_MCP_URL is not set)"
    )
    assert len(lab_env.calls) == ran_before  # nothing ran
