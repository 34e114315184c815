"""Settings per function: each declares the sections it reads, they are validated at
its cold start, and the template gives it exactly the configured variables of those
sections, no others."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from chat_core import settings as sections
from chat_core import wiring
from chat_core.agent.catalogue import AGENT_TYPES
from chat_core.settings import ConversationLimits, declare_settings, get_settings
from tests.support.template import load_template

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


def _calls(module: ast.Module, name: str) -> list[str]:
    return [
        arg.id
        for node in ast.walk(module)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name
        for arg in node.args
        if isinstance(arg, ast.Name)
    ]


def _declared(function: str) -> set[str]:
    return set(_calls(ast.parse((FUNCTIONS / function / "app.py").read_text()), "declare_settings"))


def _builders(function: str) -> set[str]:
    module = ast.parse((FUNCTIONS / function / "app.py").read_text())
    return {
        alias.name
        for node in module.body
        if isinstance(node, ast.ImportFrom) and node.module == "chat_core.wiring"
        for alias in node.names
    }


def _variables(section_names: set[str]) -> set[str]:
    """The section's variables; with ToolSettings, also the MCP server URLs the agent
    types file names as ${VARIABLE}."""
    named = {
        field.upper() for name in section_names for field in getattr(sections, name).model_fields
    }
    if "ToolSettings" in section_names:
        named |= {
            server.url[2:-1]
            for agent in AGENT_TYPES
            for server in agent.mcp_servers
            if server.url.startswith("${")
        }
    return named


def _functions() -> dict[str, dict[str, Any]]:
    resources = load_template()["Resources"]
    return {
        logical: props
        for logical, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
        for props in [resource["Properties"]]
    }


def _folder(props: dict[str, Any]) -> str:
    return str(props["CodeUri"]).rstrip("/").split("/")[-1]


def test_each_function_declares_what_its_services_read() -> None:
    for props in _functions().values():
        function = _folder(props)
        needed = {s.__name__ for b in _builders(function) for s in wiring.NEEDS[b]}
        assert needed <= _declared(function), function


def test_the_template_gives_each_function_only_the_variables_it_reads() -> None:
    template = load_template()
    shared = set(template["Globals"]["Function"]["Environment"]["Variables"])
    assert all(name.startswith("POWERTOOLS_") for name in shared)
    configured = {
        name
        for props in _functions().values()
        for name in props.get("Environment", {}).get("Variables", {})
    }
    for logical, props in _functions().items():
        given = set(props.get("Environment", {}).get("Variables", {}))
        reads = _variables(_declared(_folder(props)))
        assert given <= reads, (logical, given - reads)
        assert configured & reads <= given, (logical, (configured & reads) - given)


def test_a_bad_value_fails_the_cold_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "many")
    with pytest.raises(ValidationError):
        declare_settings(ConversationLimits)
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "0")
    with pytest.raises(ValidationError):
        declare_settings(ConversationLimits)


def test_the_services_settings_come_from_each_sections_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TABLE_NAME", "chat-prod")
    monkeypatch.setenv("OPENAI_MODEL", "o4-mini")
    monkeypatch.setenv("RATE_LIMIT_ACTIONS_PER_MINUTE", "7")
    monkeypatch.setenv("JWT_AUDIENCE", "")  # empty is unset
    get_settings.cache_clear()
    try:
        read = get_settings()
    finally:
        get_settings.cache_clear()
    assert (read.table_name, read.openai_model, read.rate_limit_actions_per_minute) == (
        "chat-prod",
        "o4-mini",
        7,
    )
    assert read.jwt_audience is None
    assert read.max_message_chars == 16000  # a section's default where nothing is set
