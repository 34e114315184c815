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


def imported_modules(function: str, *, tracing: bool = False) -> set[str]:
    env = {
        "PYTHONPATH": str(ROOT / "layers" / "chat_core" / "python"),
        "POWERTOOLS_TRACE_DISABLED": "false" if tracing else "true",
        "PATH": "/usr/bin:/bin",
    }
    if tracing:  # as in AWS, where the runtime sets these
        env |= {"AWS_LAMBDA_FUNCTION_NAME": function, "AWS_REGION": "us-east-1"}
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


@pytest.mark.parametrize("function", ["health", "agents"])
def test_untraced_functions_skip_the_xray_sdk_even_where_tracing_is_on(function: str) -> None:
    """What docs/performance.md says traced=False buys: no X-Ray SDK at cold start."""
    assert not any(m.startswith("aws_xray_sdk") for m in imported_modules(function, tracing=True))


def test_traced_functions_do_load_the_xray_sdk_where_tracing_is_on() -> None:
    """The probe sees tracing: without this, the test above could pass for any reason."""
    assert any(m.startswith("aws_xray_sdk") for m in imported_modules("stats", tracing=True))
