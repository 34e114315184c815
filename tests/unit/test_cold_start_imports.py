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


def probe(code: str, argument: str, env: dict[str, str]) -> set[str]:
    """The modules a fresh interpreter holds after ``code`` ran (its last line of output:
    a JSON list), with only ``env`` (and the layer on the path) set."""
    out = subprocess.run(
        [sys.executable, "-c", code, argument],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT / "layers" / "chat_core" / "python"), **env},
        timeout=60,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def imported_modules(function: str, *, tracing: bool = False) -> set[str]:
    env = {"POWERTOOLS_TRACE_DISABLED": "false" if tracing else "true", "PATH": "/usr/bin:/bin"}
    if tracing:  # as in AWS, where the runtime sets these
        env |= {"AWS_LAMBDA_FUNCTION_NAME": function, "AWS_REGION": "us-east-1"}
    return probe(PROBE, str(ROOT / "functions" / function / "app.py"), env)


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


FIRST_CHAT_REQUEST = (
    "import json, sys; sys.path.insert(0, sys.argv[1]);"
    "from chat_core import wiring; wiring.idempotent_chat();"
    "print(json.dumps(sorted(sys.modules)))"
)


def first_chat_request_modules(*, worker: bool) -> set[str]:
    """What the chat function has imported once its first request built its services."""
    env = {
        "PATH": "/usr/bin:/bin",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    if worker:  # as deployed: the template names the worker
        env["TURN_WORKER_FUNCTION"] = "chat-turn-worker-dev"
    return probe(FIRST_CHAT_REQUEST, str(ROOT / "layers" / "chat_core" / "python"), env)


def test_the_chat_function_never_imports_the_model_client_it_does_not_call() -> None:
    """As deployed the worker calls the model; the chat function's first request used
    to import openai anyway (~400 ms of it: docs/performance.md section 4)."""
    deployed = first_chat_request_modules(worker=True)
    assert "chat_core.services.chat" in deployed
    assert not {"openai", "chat_core.agent.model"} & deployed
    # Running turns in its own process (locally, without a worker), it does need it:
    # the probe sees the import where it happens.
    assert "openai" in first_chat_request_modules(worker=False)


SNAPSHOT_THEN_FIRST_REQUEST = (
    "import importlib.util, json, sys, types;"
    # the Lambda runtime's hooks, run at once (as Lambda does before the snapshot)
    "hooks = types.ModuleType('snapshot_restore_py');"
    "hooks.register_before_snapshot = lambda f, *a, **k: f(*a, **k);"
    "hooks.register_after_restore = lambda f, *a, **k: None;"
    "sys.modules['snapshot_restore_py'] = hooks;"
    "spec = importlib.util.spec_from_file_location('app', sys.argv[1]);"
    "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m);"
    "before = set(sys.modules);"
    "from chat_core import wiring; wiring.idempotent_chat();"
    "import aws_lambda_powertools.utilities.idempotency;"
    "print(json.dumps(sorted(set(sys.modules) - before)))"
)


def test_with_snapstart_the_snapshot_holds_what_the_first_request_imports() -> None:
    """ChatSnapStart's before-snapshot hook (chat_core/snapstart.py) imports the first
    request's modules, so a restored instance imports next to nothing on it."""
    env = {
        "PATH": "/usr/bin:/bin",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_DEFAULT_REGION": "us-east-1",
        "TURN_WORKER_FUNCTION": "chat-turn-worker-dev",
    }
    imported_on_request = probe(
        SNAPSHOT_THEN_FIRST_REQUEST, str(ROOT / "functions/chat/app.py"), env
    )
    heavy = ("chat_core.", "boto3", "botocore", "pydantic", "aws_lambda_powertools")
    assert not {m for m in imported_on_request if m.startswith(heavy)}, imported_on_request
