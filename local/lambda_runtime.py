"""Invokes the real handlers the way Lambda does, in this process.

Lambda runs one request at a time per execution environment, and one environment
is one process: a handler's module state is never shared by two requests. Here
every function runs in one process, so each concurrent invocation gets an
environment of its own (a separately loaded copy of the function's app.py, kept
warm in a pool afterwards). Powertools also keeps state for the whole process: the
event being resolved, which decides what a handler reads, is kept per resolver here
(``keep_the_event_per_environment``); the Logger's keys and the Metrics set stay
shared, which only mixes what the local stack's own log lines say. (The async
resolver, which no function uses, is left as it is.)
"""

from __future__ import annotations

import base64
import importlib.util
import itertools
import json
import logging
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from local.template import ROOT, Function, Route

LAYER_PATH = ROOT / "layers" / "chat_core" / "python"
_counter = itertools.count()
log = logging.getLogger("local.lambda")


def load_module(path: Path, name: str) -> ModuleType:
    """A handler's file as a module of its own name (every handler file is app.py, so
    loading them by file keeps two functions, or two environments, from sharing one)."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def keep_the_event_per_environment() -> None:
    """Powertools keeps the event being resolved on the ``BaseRouter`` class, for the
    whole process: right in Lambda, where a process serves one request at a time,
    wrong here, where a GET of one function would swap its event (no body) under a
    POST of another running at the same moment ("body is required", seen in CI).
    Each resolver (one per loaded app.py, that is per environment) keeps its own.
    """
    if getattr(ApiGatewayResolver, "_event_per_environment", False):
        return
    resolve = ApiGatewayResolver.resolve

    def resolve_with_own_event(self: Any, event: Any, context: Any) -> Any:
        raw = event.raw_event if isinstance(event, BaseProxyEvent) else event
        self.__dict__["_own_event"] = self._to_proxy_event(raw)
        self.__dict__["_own_context"] = context
        return resolve(self, event, context)

    def own(name: str) -> property:
        def read(self: Any) -> Any:
            try:
                return self.__dict__[name]
            except KeyError:  # before the first request, as unpatched Powertools
                raise AttributeError(name) from None

        return property(read, lambda self, value: self.__dict__.__setitem__(name, value))

    ApiGatewayResolver.resolve = resolve_with_own_event  # type: ignore[method-assign]
    ApiGatewayResolver.current_event = own("_own_event")  # type: ignore[assignment]
    ApiGatewayResolver.lambda_context = own("_own_context")  # type: ignore[assignment]
    ApiGatewayResolver._event_per_environment = True  # type: ignore[attr-defined]


keep_the_event_per_environment()


@dataclass
class LambdaContext:
    function_name: str = "test"
    timeout_s: int = 29
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_s - (time.monotonic() - self.started)) * 1000))


@dataclass
class HttpRequest:
    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    stream: Iterator[bytes] | None = None  # sent chunked, piece by piece (SSE)


class FunctionPool:
    """Warm execution environments of one function."""

    def __init__(self, route: Route | Function) -> None:
        self.route = route
        self._idle: list[Any] = []
        self._lock = threading.Lock()

    def invoke(self, event: dict[str, Any]) -> Any:
        with self._lock:
            handler = self._idle.pop() if self._idle else None
        if handler is None:
            handler = self._load()
        try:
            context = LambdaContext(self.route.function, self.route.timeout)
            return handler(event, context)
        finally:
            with self._lock:
                self._idle.append(handler)

    def _load(self) -> Any:
        module_file, _, function = self.route.handler.rpartition(".")
        path = self.route.code_dir / f"{module_file.replace('.', '/')}.py"
        module = load_module(path, f"local_fn_{self.route.function}_{next(_counter)}")
        return getattr(module, function)


def build_event(
    request: HttpRequest,
    route_key: str,
    path_parameters: dict[str, str],
    claims: dict[str, str] | None,
    scopes: list[str] | None,
    request_id: str,
) -> dict[str, Any]:
    """An API Gateway HTTP API payload-format-2.0 event."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        lower = name.lower()
        if lower == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        headers[lower] = f"{headers[lower]},{value}" if lower in headers else value
    query: dict[str, str] = {}
    for key, value in parse_qsl(request.query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.path,
        "rawQueryString": request.query,
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": headers.get("host", "127.0.0.1"),
            "domainPrefix": "local",
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": scopes}}
    if request.body:
        try:
            event["body"] = request.body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(request.body).decode()
            event["isBase64Encoded"] = True
    return event


def to_http(result: Any) -> HttpResponse:
    """What API Gateway makes of a payload-2.0 handler result."""
    if isinstance(result, dict) and "statusCode" in result:
        headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers[name] = ",".join(str(v) for v in values)
        raw = result.get("body") or ""
        body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
        for cookie in result.get("cookies") or []:
            headers.setdefault("Set-Cookie", cookie)
        return HttpResponse(int(result["statusCode"]), headers, body)
    return HttpResponse(200, {"Content-Type": "application/json"}, json.dumps(result).encode())
