"""Lambda SnapStart for the chat function (template parameter ChatSnapStart).

With SnapStart on, Lambda initialises a published version once, snapshots it, and
resumes new instances from the snapshot. What the first request would otherwise
import (the services, the repository, boto3's DynamoDB code, the idempotency
utility: docs/performance.md section 4) is imported before the snapshot instead, and
botocore reads the DynamoDB and Lambda service descriptions and its endpoint rules
into the default session, so a restored instance starts warm. No client is built
before the snapshot: no connection or credential is captured in one. After a restore
``random`` is reseeded, or every instance resumed from one snapshot would draw the
same retry jitter.

The hooks come from the Lambda runtime's ``snapshot_restore_py`` (Python 3.12+); it
is absent locally and in tests, and without SnapStart the hooks never run.
"""

from __future__ import annotations

import importlib
import random
from types import ModuleType

# What the chat function's first request imports, as measured by benchmarks/cold_start.py.
CHAT_FIRST_REQUEST_MODULES = (
    "chat_core.services.idempotent_chat",
    "chat_core.services.chat",
    "chat_core.repository.dynamodb",
    "aws_lambda_powertools.utilities.idempotency",
)


def runtime_hooks() -> ModuleType | None:
    try:
        return importlib.import_module("snapshot_restore_py")
    except ImportError:
        return None


def warm_before_snapshot(modules: tuple[str, ...] = CHAT_FIRST_REQUEST_MODULES) -> bool:
    """Registers the imports to run before the snapshot; False where there is no runtime
    to register them with."""
    hooks = runtime_hooks()
    if hooks is None:
        return False
    hooks.register_before_snapshot(_warm, modules)
    hooks.register_after_restore(random.seed)
    return True


def _warm(modules: tuple[str, ...]) -> None:
    for name in modules:
        importlib.import_module(name)
    _load_service_data(("dynamodb", "lambda"))


def _load_service_data(services: tuple[str, ...]) -> None:
    """What boto3.client() parses on its first call in a process (~100 ms of JSON),
    cached on the default session that wiring's clients are built from. Best effort:
    a botocore that moved these only leaves the first request to do it."""
    import boto3

    try:
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        session = boto3.DEFAULT_SESSION._session
        for name in services:
            session.get_service_model(name)
        session._get_internal_component("endpoint_resolver")
    except Exception:  # noqa: S110 - an optimisation; the request does it otherwise
        pass
