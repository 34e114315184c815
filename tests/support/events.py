"""Payload-format-2.0 events and a Lambda context, for calling handlers directly.

The local gateway's own loader and event builder (local/lambda_runtime.py): a test's
event is the event the local stack would give the function for the same request.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

from local.lambda_runtime import HttpRequest, LambdaContext, build_event, load_module

__all__ = ["ROOT", "LambdaContext", "http_event", "load_handler"]

ROOT = Path(__file__).resolve().parents[2]


def load_handler(function: str) -> ModuleType:
    """functions/<function>/app.py under a unique module name (every handler is app.py)."""
    return load_module(ROOT / "functions" / function / "app.py", f"handler_{function}")


def http_event(
    method: str,
    route: str,
    *,
    path: str | None = None,
    sub: str | None = "alice",
    body: Any = None,
    query: dict[str, str] | None = None,
    path_parameters: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The event of one request; ``sub=None`` is a request the authorizer let through
    without claims (a handler must still refuse it)."""
    raw_body = body if isinstance(body, str) or body is None else json.dumps(body)
    request = HttpRequest(
        method,
        path or route,
        urlencode(query or {}),
        list({"content-type": "application/json", **(headers or {})}.items()),
        (raw_body or "").encode(),
        "127.0.0.1",
    )
    claims = {"sub": sub} if sub else {}
    return build_event(request, f"{method} {route}", path_parameters or {}, claims, None, "req-123")
