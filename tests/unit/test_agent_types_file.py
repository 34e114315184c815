"""Agent types come from the operator's JSON file, checked when the layer loads: a
mistake names the file and the entry, and a new agent type with tools needs no code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chat_core.agent.catalogue import AGENT_TYPES_FILE, AgentTypesInvalid, load_agent_types
from chat_core.tools.box import builtin_tools, check_tools

VALID = {"name": "helper", "description": "Helps.", "system_prompt": "Help.", "default": True}


def written(tmp_path: Path, entries: list[dict[str, Any]]) -> Path:
    path = tmp_path / "agents.json"
    path.write_text(json.dumps(entries))
    return path


def test_the_shipped_file_is_valid_and_its_tools_exist() -> None:
    agents = load_agent_types(AGENT_TYPES_FILE)
    check_tools(agents)
    assert [a.name for a in agents if a.default] == ["general"]
    assert "calculator" in builtin_tools(next(a for a in agents if a.name == "assistant"))


def test_a_new_agent_type_with_tools_is_an_entry_in_the_file(tmp_path: Path) -> None:
    extra = {**VALID, "default": False, "name": "timekeeper", "tools": ["current_time"]}
    agents = load_agent_types(written(tmp_path, [VALID, extra]))
    check_tools(agents)
    assert list(builtin_tools(agents[1])) == ["current_time"] and agents[1].max_steps == 10


@pytest.mark.parametrize(
    ("entries", "says"),
    [
        ([{**VALID, "temprature": 0.5}], "temprature"),
        ([{**VALID, "temperature": 9}], "temperature"),
        ([{**VALID, "name": "Has Spaces"}], "name"),
        ([VALID, VALID], "named more than once: ['helper']"),
        ([{**VALID, "default": False}], "exactly one agent type is the default"),
        ([{**VALID, "max_steps": 0}], "max_steps"),
    ],
)
def test_a_mistake_fails_with_the_file_and_the_entry_named(
    tmp_path: Path, entries: list[dict[str, Any]], says: str
) -> None:
    path = written(tmp_path, entries)
    with pytest.raises(AgentTypesInvalid) as refused:
        load_agent_types(path)
    assert str(path) in str(refused.value) and says in str(refused.value)


def test_a_tool_that_does_not_exist_is_named(tmp_path: Path) -> None:
    agents = load_agent_types(written(tmp_path, [{**VALID, "tools": ["calculator", "telepathy"]}]))
    with pytest.raises(
        AgentTypesInvalid, match=r"'helper' names tools that do not exist: \['telepathy'\]"
    ):
        check_tools(agents)
