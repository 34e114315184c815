"""The one HTTP server of the local stack: gateway, identity provider, stub model, UI."""

from __future__ import annotations

import contextlib
import json
import logging
import mimetypes
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from local import control_guard, stub_model
from local.identity import IdentityProvider, parse_token_request
from local.jwt_check import AuthorizerConfig, JwksCache, Unauthorized, claims_for_event, verify
from local.lambda_runtime import FunctionPool, HttpRequest, HttpResponse, build_event, to_http
from local.template import ROOT, Route
from local.template import Template as CfnTemplate
from local.websocket import (
    MESSAGE_LIMIT,
    Connection,
    ConnectionClosed,
    WebSocketHub,
    accept_key,
    new_connection_id,
    route_event,
    serve_messages,
)

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway HTTP API payload limit
# HTTP API quota: request line and header values together at most 10,240 bytes.
MAX_HEADER_BYTES = 10_240
WEBSOCKET_PATH = "/ws"
LAMBDA_PREFIX = "/local/lambda/2015-03-31/functions/"
MANAGEMENT_PREFIX = "/local/ws-management/@connections/"
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
        host: str = "127.0.0.1",
    ) -> None:
        self.template = template
        self.identity = identity
        self.authorizer = authorizer
        self.jwks = JwksCache(authorizer.issuer)
        self.web_dir = web_dir
        self.cors_origins = cors_origins
        self.host = host  # host:port the page is served from (its CSP names its WebSocket)
        self.pools = {name: FunctionPool(fn) for name, fn in template.functions.items()}
        self.hub = WebSocketHub()

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        """Runs a function of the template like Lambda: one request per environment."""
        return self.pools[function].invoke(event)

    # ---------------------------------------------------------------- dispatch
    def handle(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if request.method == "OPTIONS":
            return self.preflight(request)
        if path.startswith("/local/"):
            return self.local_endpoint(request)
        docs = path in ("/docs", "/docs/") and request.method == "GET"
        if (path == "/v1/openapi.json" and request.method == "GET") or (
            docs and "format=json" in request.query  # the Swagger UI's own link
        ):
            return HttpResponse(200, {"Content-Type": "application/json"}, OPENAPI.read_bytes())
        if docs:
            return html_response(render_docs(OPENAPI.read_text()))
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
        event = build_event(request, route.route_key, params or {}, claims, scopes, request_id)
        try:
            response = to_http(self.invoke(route.function, event))
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
        why = control_guard.refusal(
            path,
            request.source_ip,
            {
                name: self.header(request, name)
                for name in ("host", "origin", "sec-fetch-site", "content-type")
            },
        )
        if why is not None:
            return json_response(403, {"error": {"code": "forbidden", "message": why}})
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
        if path.startswith(LAMBDA_PREFIX) and path.endswith("/invocations") and method == "POST":
            return self.lambda_invoke(request)
        if path.startswith(MANAGEMENT_PREFIX):
            return self.manage_connection(request)
        if path.startswith("/local/openai/v1/"):
            return self.stub_model(request)
        return message(404, "Not Found")

    def stub_model(self, request: HttpRequest) -> HttpResponse:
        """The OpenAI-compatible stub (local/stub_model.py) behind a bearer-key check."""
        path, method = request.path, request.method
        if not (self.header(request, "authorization") or "").lower().startswith("bearer "):
            return json_response(
                401, {"error": {"message": "missing API key", "type": "invalid_request_error"}}
            )
        if path == "/local/openai/v1/chat/completions" and method == "POST":
            try:
                body = json.loads(request.body or b"null")
            except ValueError:
                body = None
            status, answer = stub_model.complete(body)
            if isinstance(answer, dict):
                return json_response(status, answer)
            headers = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
            return HttpResponse(status, headers, b"", stream=answer)
        if path == "/local/openai/v1/_streams" and method == "GET":
            return json_response(200, stub_model.streams())
        if path == "/local/openai/v1/models" and method == "GET":
            return json_response(200, stub_model.models())
        return message(404, "Not Found")

    # ---------------------------------------------------------------- Lambda's Invoke API
    def lambda_invoke(self, request: HttpRequest) -> HttpResponse:
        """POST /2015-03-31/functions/{name}/invocations, as boto3's lambda client calls it."""
        name = unquote(request.path[len(LAMBDA_PREFIX) :].rsplit("/", 1)[0])
        function = self.template.function_named(name)
        if function is None:
            return aws_error(404, "ResourceNotFoundException", f"Function not found: {name}")
        try:
            event = json.loads(request.body or b"{}")
        except ValueError:
            return aws_error(400, "InvalidRequestContentException", "Could not parse payload")
        kind = self.header(request, "x-amz-invocation-type") or "RequestResponse"
        if kind == "Event":
            threading.Thread(
                target=self._invoke_logged, args=(function.function, event), daemon=True
            ).start()
            return HttpResponse(202, {"Content-Type": "application/json"}, b"")
        try:
            result = self.invoke(function.function, event)
        except Exception as exc:
            log.error("function %s failed:\n%s", function.function, traceback.format_exc())
            payload = {"errorMessage": str(exc), "errorType": type(exc).__name__}
            response = json_response(200, payload)
            response.headers["X-Amz-Function-Error"] = "Unhandled"
            return response
        return json_response(200, result)

    def _invoke_logged(self, function: str, event: dict[str, Any]) -> None:
        try:
            self.invoke(function, event)
        except Exception:
            log.error("function %s failed:\n%s", function, traceback.format_exc())

    # ---------------------------------------------------------------- WebSocket API
    def manage_connection(self, request: HttpRequest) -> HttpResponse:
        """API Gateway's management API: POST/GET/DELETE /@connections/{id}."""
        connection_id = unquote(request.path[len(MANAGEMENT_PREFIX) :])
        connection = self.hub.get(connection_id)
        if connection is None:
            return aws_error(410, "GoneException", "")
        if request.method == "POST":
            if len(request.body) > MESSAGE_LIMIT:
                return aws_error(413, "PayloadTooLargeException", "Message too long")
            try:
                connection.send(request.body)
            except ConnectionClosed:
                return aws_error(410, "GoneException", "")
            return HttpResponse(200, {"Content-Type": "application/json"}, b"")
        if request.method == "DELETE":
            connection.close(1000)
            return HttpResponse(204, {}, b"")
        if request.method == "GET":
            return json_response(
                200,
                {
                    "ConnectedAt": iso(connection.connected_at),
                    "LastActiveAt": iso(time.time()),
                    "Identity": {
                        "SourceIp": connection.source_ip,
                        "UserAgent": connection.user_agent,
                    },
                },
            )
        return aws_error(400, "BadRequestException", "unsupported method")

    def websocket_handshake(
        self, request: HttpRequest
    ) -> tuple[HttpResponse, dict[str, Any] | None, str]:
        """Authorizer then $connect: a 101 and the connection's authorizer context, or a refusal."""
        spec = self.template.websocket
        if spec is None or "$connect" not in spec.routes:
            return message(404, "Not Found"), None, ""
        connection_id = new_connection_id()
        headers = {name: value for name, value in request.headers}
        authorizer: dict[str, Any] = {}
        if spec.authorizer:
            if spec.identity_header and not self.header(request, spec.identity_header):
                return message(401, "Unauthorized"), None, ""
            event = route_event(
                "$connect",
                "CONNECT",
                None,
                connection_id=connection_id,
                authorizer=None,
                headers=headers,
                source_ip=request.source_ip,
            )
            event |= {
                "type": "REQUEST",
                "methodArn": "arn:aws:execute-api:us-east-1:000000000000:local/local/$connect",
            }
            try:
                decision = self.invoke(spec.authorizer, event)
            except Exception as exc:
                if str(exc) == "Unauthorized":
                    return message(401, "Unauthorized"), None, ""
                log.error("authorizer failed:\n%s", traceback.format_exc())
                return message(500, "Internal Server Error"), None, ""
            statements = decision.get("policyDocument", {}).get("Statement", [])
            if not statements or any(s.get("Effect") != "Allow" for s in statements):
                return message(403, "Forbidden"), None, ""
            authorizer = {"principalId": decision.get("principalId"), **decision.get("context", {})}
        event = route_event(
            "$connect",
            "CONNECT",
            None,
            connection_id=connection_id,
            authorizer=authorizer,
            headers=headers,
            source_ip=request.source_ip,
        )
        try:
            result = self.invoke(spec.routes["$connect"], event)
        except Exception:
            log.error("$connect failed:\n%s", traceback.format_exc())
            return message(500, "Internal Server Error"), None, ""
        status = int(result.get("statusCode", 200)) if isinstance(result, dict) else 200
        if not 200 <= status < 300:
            return message(status, "Forbidden"), None, ""
        answer = {
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Accept": accept_key(self.header(request, "sec-websocket-key") or ""),
        }
        chosen = (result.get("headers") or {}).get("Sec-WebSocket-Protocol")
        if chosen:
            answer["Sec-WebSocket-Protocol"] = chosen
        return HttpResponse(101, answer, b""), authorizer, connection_id

    def websocket_session(self, connection: Connection) -> None:
        spec = self.template.websocket
        assert spec is not None
        self.hub.add(connection)
        connection.watch()
        try:
            serve_messages(connection, spec.routes, spec.two_way, self.invoke)
        finally:
            self.hub.remove(connection.connection_id)
            connection.close(1000)
            if "$disconnect" in spec.routes:
                event = route_event(
                    "$disconnect",
                    "DISCONNECT",
                    connection,
                    connection_id=connection.connection_id,
                    authorizer=connection.authorizer,
                    source_ip=connection.source_ip,
                )
                self._invoke_logged(spec.routes["$disconnect"], event)

    # ---------------------------------------------------------------- static UI
    def page_headers(self) -> dict[str, str]:
        """What the browser needs to contain the page: it renders model output as HTML and
        keeps tokens in session storage, so no inline script, no framing, no referrer."""
        issuer = self.authorizer.issuer.rstrip("/")
        origin = "/".join(issuer.split("/")[:3])
        return {
            "Content-Security-Policy": (
                "default-src 'self'; script-src 'self'; style-src 'self'; "
                "img-src 'self'; font-src 'self'; object-src 'none'; "
                f"connect-src 'self' ws://{self.host} {origin}; "
                "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
            ),
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
        }

    def static(self, path: str) -> HttpResponse:
        response = self._static(path)
        response.headers.update(self.page_headers())
        return response

    def _static(self, path: str) -> HttpResponse:
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
        cors = self.template.cors()  # as API Gateway answers it
        response.headers.update(
            {
                "Access-Control-Allow-Methods": ",".join(cors.get("AllowMethods", [])),
                "Access-Control-Allow-Headers": ",".join(cors.get("AllowHeaders", [])),
                "Access-Control-Max-Age": str(cors.get("MaxAge", 600)),
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


def aws_error(status: int, code: str, text: str) -> HttpResponse:
    """An AWS JSON error, as boto3 parses it (the code becomes ClientError's code)."""
    response = json_response(status, {"__type": code, "message": text})
    response.headers["x-amzn-ErrorType"] = code
    return response


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def json_response(status: int, payload: Any) -> HttpResponse:
    return HttpResponse(status, {"Content-Type": "application/json"}, json.dumps(payload).encode())


def message(status: int, text: str, request_id: str | None = None) -> HttpResponse:
    response = json_response(status, {"message": text})
    if request_id:
        response.headers["apigw-requestid"] = request_id
    return response


def html_response(text: str) -> HttpResponse:
    return HttpResponse(200, {"Content-Type": "text/html; charset=utf-8"}, text.encode())


def render_docs(spec: str) -> str:
    """Powertools' Swagger UI of the OpenAPI document, its script and styles inline from
    the package (no CDN: nothing downloads, so it works offline)."""
    from aws_lambda_powertools.event_handler.openapi import swagger_ui
    from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import (
        generate_swagger_html,
    )

    assets = Path(swagger_ui.__file__).parent
    return generate_swagger_html(
        spec=spec.replace("</", "<\\/"),
        swagger_js=(assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        swagger_css=(assets / "swagger-ui.min.css").read_text(encoding="utf-8"),
        swagger_base_url="",
        oauth2_config=None,
    )


def make_server(stack: LocalStack, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "chat-local"

        def do_any(self) -> None:
            started = time.monotonic()
            url = urlsplit(self.path)
            header_bytes = len(self.requestline) + sum(
                len(name) + len(value) for name, value in self.headers.items()
            )
            if header_bytes > MAX_HEADER_BYTES:
                self.send(message(431, "Request Header Fields Too Large"))
                self.close_connection = True
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0:
                self.send(message(400, "Bad Request"))
                self.close_connection = True
                return
            if length > MAX_BODY_BYTES:
                self.send(message(413, "Request Entity Too Large"))
                self.close_connection = True
                return
            if self.is_websocket_upgrade(url.path):
                self.upgrade(url)
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

        def send_response(self, code: int, message: str | None = None) -> None:
            """API Gateway names no server: no banner, no Python version."""
            self.log_request(code)
            self.send_response_only(code, message)
            self.send_header("Date", self.date_time_string())

        def send_error(
            self, code: int, message: str | None = None, explain: str | None = None
        ) -> None:
            """The stdlib's own refusals (bad request line, too many or too long headers,
            an unknown method) in API Gateway's JSON shape instead of an HTML page."""
            if code == 501:  # a method no route has: API Gateway answers 404
                code, message = 404, "Not Found"
            text = message or {400: "Bad Request", 414: "Request-URI Too Long"}.get(code, "Error")
            if code == 431:
                text = "Request Header Fields Too Large"
            body = json.dumps({"message": text}).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(body)
            self.close_connection = True

        def is_websocket_upgrade(self, path: str) -> bool:
            return (
                path == WEBSOCKET_PATH
                and self.command == "GET"
                and (self.headers.get("Upgrade") or "").lower() == "websocket"
            )

        def upgrade(self, url: Any) -> None:
            request = HttpRequest(
                method="GET",
                path=url.path,
                query=url.query,
                headers=list(self.headers.items()),
                body=b"",
                source_ip=self.client_address[0],
            )
            response, authorizer, connection_id = stack.websocket_handshake(request)
            if response.status != 101 or authorizer is None:
                self.close_connection = True
                self.send(response)
                log.info("WS %s %d", url.path, response.status)
                return
            self.send_response(101)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.flush()
            log.info("WS %s 101 %s", url.path, connection_id)
            connection = Connection(
                connection_id=connection_id,
                reader=self.rfile,
                writer=self.wfile,
                sock=self.connection,
                source_ip=self.client_address[0],
                user_agent=self.headers.get("User-Agent", ""),
                authorizer=authorizer,
            )
            stack.websocket_session(connection)
            self.close_connection = True

        def send(self, response: HttpResponse, head: bool = False) -> None:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if response.stream is not None:
                self.send_streamed(response.stream)
                return
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if not head:
                self.wfile.write(response.body)

        def send_streamed(self, pieces: Iterator[bytes]) -> None:
            """Chunked transfer, each piece as it is produced; a broken stream just ends."""
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for piece in pieces:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
            except (stub_model.StreamBroken, OSError):
                self.close_connection = True  # mid-stream failure, or the reader left
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
            finally:
                close = getattr(pieces, "close", None)
                if close:
                    close()

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_OPTIONS = do_HEAD = do_any

        def log_message(self, format: str, *args: Any) -> None:
            return  # one line per request is logged by do_any

    class Server(ThreadingHTTPServer):
        # The default backlog of 5 resets connections when many clients start at once.
        request_queue_size = 256
        daemon_threads = True

    return Server(("127.0.0.1", port), Handler)
