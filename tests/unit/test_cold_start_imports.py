"""Cold starts stay small: functions import only what their route needs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.events import ROOT

PROBE = (
    "import importlib.util, json, sys;"
    "spec = importlib.util.spec_from_file_location('app', sys.argv[1]);"
    "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m);"
    "print(json.dumps(sorted(sys.modules)))"
)


def imported_modules(function: str) -> set[str]:
    env = {
        "PYTHONPATH": str(ROOT / "layers" / "chat_core" / "python"),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "functions" / function / "app.py")],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=60,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "function", ["health", "agents", "stats", "list_conversations", "get_conversation"]
)
def test_read_routes_never_import_openai(function: str) -> None:
    assert "openai" not in imported_modules(function)


def test_health_imports_neither_openai_nor_the_repository() -> None:
    modules = imported_modules("health")
    assert "chat_core.http" in modules
    assert not {"openai", "chat_core.repository.dynamodb", "chat_core.agent.model"} & modules
