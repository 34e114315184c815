"""The one HTTP server of the local stack: gateway, identity provider, stub model, UI."""

from __future__ import annotations

import html
import json
import logging
import mimetypes
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import urlsplit

from local import stub_model
from local.identity import IdentityProvider, parse_token_request
from local.jwt_check import AuthorizerConfig, JwksCache, Unauthorized, claims_for_event, verify
from local.lambda_runtime import FunctionPool, HttpRequest, HttpResponse, build_event, to_http
from local.template import ROOT, Route
from local.template import Template as CfnTemplate

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway HTTP API payload limit
OPENAPI = ROOT / "openapi.json"
PAGES = Path(__file__).resolve().parent / "pages"
log = logging.getLogger("local.gateway")


class LocalStack:
    """Everything a request can reach; shared by the server's threads."""

    def __init__(
        self,
        template: CfnTemplate,
        identity: IdentityProvider,
        authorizer: AuthorizerConfig,
        web_dir: Path,
        cors_origins: list[str],
    ) -> None:
        self.template = template
        self.identity = identity
        self.authorizer = authorizer
        self.jwks = JwksCache(authorizer.issuer)
        self.web_dir = web_dir
        self.cors_origins = cors_origins
        self.pools = {route.route_key: FunctionPool(route) for route in template.routes}

    # ---------------------------------------------------------------- dispatch
    def handle(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if request.method == "OPTIONS":
            return self.preflight(request)
        if path.startswith("/local/"):
            return self.local_endpoint(request)
        if path == "/v1/openapi.json" and request.method == "GET":
            return HttpResponse(200, {"Content-Type": "application/json"}, OPENAPI.read_bytes())
        if path in ("/docs", "/docs/") and request.method == "GET":
            return html_response(render_docs(json.loads(OPENAPI.read_text())))
        if path.startswith("/v1/") or path == "/v1":
            return self.api(request)
        if request.method in ("GET", "HEAD"):
            return self.static(path)
        return message(404, "Not Found")

    def api(self, request: HttpRequest) -> HttpResponse:
        route, params = self.match(request.method, request.path)
        if route is None:
            return message(404, "Not Found")
        request_id = str(uuid.uuid4())
        claims: dict[str, str] | None = None
        scopes: list[str] | None = None
        if route.authorized:
            try:
                verified = verify(
                    self.header(request, "authorization"), self.authorizer, self.jwks, route.scopes
                )
            except Unauthorized as reason:
                log.info("401 %s %s: %s", request.method, request.path, reason)
                return message(401, "Unauthorized", request_id)
            claims = claims_for_event(verified)
            scopes = str(verified.get("scope", "")).split() or None
        event = build_event(request, route, params or {}, claims, scopes, request_id)
        try:
            response = to_http(self.pools[route.route_key].invoke(event))
        except Exception:
            log.error("function %s failed:\n%s", route.function, traceback.format_exc())
            return message(500, "Internal Server Error", request_id)
        response.headers["apigw-requestid"] = request_id
        self.add_cors(request, response)
        return response

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str] | None]:
        for route in self.template.routes:
            params = route.matches(method, path)
            if params is not None:
                return route, params
        return None, None

    # ---------------------------------------------------------------- /local
    def local_endpoint(self, request: HttpRequest) -> HttpResponse:
        path, method = request.path, request.method
        if path == "/local/token" and method == "POST":
            try:
                sub, expires_in = parse_token_request(json.loads(request.body or b"null"))
            except ValueError as error:
                return json_response(
                    400, {"error": {"code": "invalid_request", "message": str(error)}}
                )
            return json_response(200, self.identity.issue(sub, expires_in))
        if path == "/local/.well-known/openid-configuration" and method == "GET":
            return json_response(200, self.identity.discovery())
        if path == "/local/.well-known/jwks.json" and method == "GET":
            return json_response(200, self.identity.jwks())
        if path.startswith("/local/openai/v1/"):
            if not (self.header(request, "authorization") or "").lower().startswith("bearer "):
                return json_response(
                    401, {"error": {"message": "missing API key", "type": "invalid_request_error"}}
                )
            if path == "/local/openai/v1/chat/completions" and method == "POST":
                try:
                    body = json.loads(request.body or b"null")
                except ValueError:
                    body = None
                return json_response(*stub_model.complete(body))
            if path == "/local/openai/v1/models" and method == "GET":
                return json_response(200, stub_model.models())
        return message(404, "Not Found")

    # ---------------------------------------------------------------- static UI
    def static(self, path: str) -> HttpResponse:
        if not (self.web_dir / "index.html").exists():
            return html_response((PAGES / "placeholder.html").read_text())
        root = self.web_dir.resolve()
        candidate = (root / path.lstrip("/")).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            content_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
            cache = "public, max-age=31536000, immutable" if "/assets/" in path else "no-cache"
            return HttpResponse(
                200, {"Content-Type": content_type, "Cache-Control": cache}, candidate.read_bytes()
            )
        # Client-side routes (e.g. /c/<id>) get the app itself.
        return HttpResponse(
            200,
            {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"},
            (root / "index.html").read_bytes(),
        )

    # ---------------------------------------------------------------- CORS
    def preflight(self, request: HttpRequest) -> HttpResponse:
        response = HttpResponse(204, {}, b"")
        self.add_cors(request, response)
        response.headers.update(
            {
                "Access-Control-Allow-Methods": "GET,POST,PATCH,DELETE,OPTIONS",
                "Access-Control-Allow-Headers": "authorization,content-type,idempotency-key",
                "Access-Control-Max-Age": "600",
            }
        )
        return response

    def add_cors(self, request: HttpRequest, response: HttpResponse) -> None:
        origin = self.header(request, "origin")
        if origin and (origin in self.cors_origins or "*" in self.cors_origins):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = "retry-after,apigw-requestid"
            response.headers["Vary"] = "Origin"

    @staticmethod
    def header(request: HttpRequest, name: str) -> str | None:
        values = [v for k, v in request.headers if k.lower() == name]
        return ",".join(values) if values else None


def json_response(status: int, payload: Any) -> HttpResponse:
    return HttpResponse(status, {"Content-Type": "application/json"}, json.dumps(payload).encode())


def message(status: int, text: str, request_id: str | None = None) -> HttpResponse:
    response = json_response(status, {"message": text})
    if request_id:
        response.headers["apigw-requestid"] = request_id
    return response


def html_response(text: str) -> HttpResponse:
    return HttpResponse(200, {"Content-Type": "text/html; charset=utf-8"}, text.encode())


def render_docs(document: dict[str, Any]) -> str:
    """A self-contained page of the OpenAPI document (no CDN: nothing downloads)."""
    rows = []
    for path, operations in document.get("paths", {}).items():
        for method, op in operations.items():
            params = ", ".join(f"{p['name']} ({p['in']})" for p in op.get("parameters", []))
            body = (
                op.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
            )
            body_name = body.get("$ref", "").rsplit("/", 1)[-1]
            statuses = ", ".join(sorted(op.get("responses", {})))
            auth = "JWT" if op.get("security") else "none"
            rows.append(
                f"<tr><td><b>{method.upper()}</b></td><td><code>{html.escape(path)}</code></td>"
                f"<td>{html.escape(op.get('summary', ''))}</td><td>{html.escape(params)}</td>"
                f"<td>{html.escape(body_name)}</td><td>{statuses}</td><td>{auth}</td></tr>"
            )
    schemas = "".join(
        f"<details><summary><code>{html.escape(name)}</code></summary>"
        f"<pre>{html.escape(json.dumps(schema, indent=2))}</pre></details>"
        for name, schema in document.get("components", {}).get("schemas", {}).items()
    )
    info = document.get("info", {})
    return Template((PAGES / "docs.html").read_text()).substitute(
        title=html.escape(info.get("title", "API")),
        description=html.escape(info.get("description", "")),
        rows="".join(rows),
        schemas=schemas,
    )


def make_server(stack: LocalStack, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "chat-local"

        def do_any(self) -> None:
            started = time.monotonic()
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self.send(message(413, "Request Entity Too Large"))
                self.close_connection = True
                return
            body = self.rfile.read(length) if length else b""
            request = HttpRequest(
                method=self.command,
                path=url.path,
                query=url.query,
                headers=list(self.headers.items()),
                body=body,
                source_ip=self.client_address[0],
            )
            try:
                response = stack.handle(request)
            except Exception:
                log.error("gateway error:\n%s", traceback.format_exc())
                response = message(500, "Internal Server Error")
            self.send(response, head=self.command == "HEAD")
            log.info(
                "%s %s %d %.0fms",
                self.command,
                url.path,
                response.status,
                (time.monotonic() - started) * 1000,
            )

        def send(self, response: HttpResponse, head: bool = False) -> None:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if not head:
                self.wfile.write(response.body)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_OPTIONS = do_HEAD = do_any

        def log_message(self, format: str, *args: Any) -> None:
            return  # one line per request is logged by do_any

    class Server(ThreadingHTTPServer):
        # The default backlog of 5 resets connections when many clients start at once.
        request_queue_size = 256
        daemon_threads = True

    return Server(("127.0.0.1", port), Handler)
