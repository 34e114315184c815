"""HTTP glue shared by every handler: the resolver, the caller's identity, error bodies.

Routing, validation and OpenAPI come from Powertools' APIGatewayHttpResolver; this
module only maps every failure to the contract's error body
``{"error": {"code", "message", "request_id"}}`` so no route can leak a framework
default or answer 500 for the caller's mistake.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from chat_core.auth.subject import usable_subject
from chat_core.errors import (
    ApiError,
    InvalidRequest,
    MessageTooLong,
    RouteNotFound,
    StorageUnavailable,
    Unauthorized,
)
from chat_core.observability import (
    count_error,
    hashed_user,
    logger,
    metrics,
    tracer,
    tracing_enabled,
)
from chat_core.repository.faults import TRANSIENT_CODES, StorageFault

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


# Every answer is about one user's private data: no cache may keep it.
NO_STORE = {"Cache-Control": "no-store"}


def json_response(
    status: int, payload: BaseModel | dict[str, Any], headers: dict[str, str] | None = None
) -> Response[str]:
    body = payload.model_dump_json() if isinstance(payload, BaseModel) else json.dumps(payload)
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers={**NO_STORE, **(headers or {})},
    )


Middleware = Callable[[APIGatewayHttpResolver, Callable[[APIGatewayHttpResolver], Any]], Any]


def _no_store(app: APIGatewayHttpResolver, next_middleware: Callable[[Any], Any]) -> Any:
    """Every answer of a route is about one user's private data: no cache may keep it
    (error answers carry the header from json_response)."""
    response = next_middleware(app)
    response.headers.update(NO_STORE)
    return response


def _identify(app: APIGatewayHttpResolver, next_middleware: Callable[[Any], Any]) -> Any:
    """The caller is the token's ``sub`` and nothing else; no claim, no access. The
    route reads it with caller_sub(app)."""
    claims = app.current_event.request_context.authorizer.jwt_claim
    sub = claims.get("sub") if isinstance(claims, dict) else None
    if not isinstance(sub, str) or not usable_subject(sub):
        raise Unauthorized()
    logger.append_keys(user=hashed_user(sub))
    app.context["sub"] = sub  # Powertools clears app.context after each request
    return next_middleware(app)


def caller_sub(app: APIGatewayHttpResolver) -> str:
    """The caller, as the identity middleware read it from the token."""
    return str(app.context["sub"])


def create_app(
    *, public: bool = False, spend: Callable[[str], None] | None = None
) -> APIGatewayHttpResolver:
    """A resolver with pydantic validation, the contract's error mapping and, as router
    middleware, ``no-store`` on every answer and the caller's identity.

    ``public``: the route needs no caller (health). ``spend``: what a request costs the
    caller before its route runs (a route that writes or scans spends one of the user's
    actions per minute: services/action_budget.py); raising refuses the request, as the
    route's own error would."""
    app = APIGatewayHttpResolver(enable_validation=True)
    middlewares: list[Middleware] = [_no_store]
    if not public:
        middlewares.append(_identify)
    if spend is not None:
        charge = spend

        def spending(
            resolver: APIGatewayHttpResolver, next_middleware: Callable[[Any], Any]
        ) -> Any:
            # A request with a cursor goes on with a search or an export already paid
            # for: a long export takes many parts, and is one action.
            if not resolver.current_event.get_query_string_value("cursor"):
                charge(caller_sub(resolver))
            return next_middleware(resolver)

        middlewares.append(spending)
    app.use(middlewares=middlewares)

    def request_id() -> str:
        try:
            return str(app.current_event.request_context.request_id or "")
        except (AttributeError, KeyError):
            return ""

    def error(err: ApiError) -> Response[str]:
        body: dict[str, Any] = {
            "error": {"code": err.code, "message": err.message, "request_id": request_id()}
        }
        if "conversation_id" in err.extra:
            body["conversation_id"] = err.extra["conversation_id"]
            body["error"]["conversation_id"] = err.extra["conversation_id"]
        headers = {"Retry-After": str(err.retry_after)} if err.retry_after else None
        count_error(err.code)
        if err.status >= 500:
            logger.warning("request failed", extra={"code": err.code, **err.extra})
        return json_response(err.status, body, headers)

    @app.exception_handler(ApiError)
    def _api_error(exc: ApiError) -> Response[str]:
        return error(exc)

    @app.exception_handler(RequestValidationError)
    def _validation_error(exc: RequestValidationError) -> Response[str]:
        return error(validation_to_api_error(exc.errors()))

    @app.not_found
    def _not_found(_: NotFoundError) -> Response[str]:
        return error(RouteNotFound())

    @app.exception_handler(StorageFault)
    def _storage_fault(exc: StorageFault) -> Response[str]:
        if exc.transient:
            return error(StorageUnavailable(retry_after=1))
        logger.exception("storage refused a request", extra={"code": exc.code})
        return error(ApiError())

    @app.exception_handler(ClientError)
    def _client_error(exc: ClientError) -> Response[str]:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in TRANSIENT_CODES:
            return error(StorageUnavailable(retry_after=1))
        logger.exception("storage error")
        return error(ApiError())

    @app.exception_handler(BotoCoreError)
    def _boto_error(exc: BotoCoreError) -> Response[str]:
        logger.warning("storage unreachable", extra={"error": type(exc).__name__})
        return error(StorageUnavailable(retry_after=1))

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response[str]:
        logger.exception("unhandled error")
        return error(ApiError())

    return app


# pydantic error type -> sentence template ({where} is the field's dotted path).
_VALIDATION_SENTENCES = {
    "json_invalid": "The body is not valid JSON.",
    "model_attributes_type": "The body must be a JSON object.",
    "dict_type": "The body must be a JSON object.",
    "missing": "{where} is required.",
    "extra_forbidden": "Unknown field {where!r}.",
    "string_pattern_mismatch": "{where} must be a lowercase UUID.",
}
# Fields whose pattern is not a UUID say what they accept instead.
_PATTERN_SENTENCES = {
    "idempotency-key": "The Idempotency-Key header must be 1 to 128 printable ASCII characters.",
    "time_zone": "time_zone must be an IANA time zone name such as Europe/Paris.",
}


def validation_to_api_error(errors: Any) -> ApiError:
    """One clear sentence from pydantic's error list; an over-long message is a 413."""
    items = list(errors or [])
    for item in items:
        if (
            tuple(item.get("loc", ()))[-1:] == ("message",)
            and item.get("type") == "string_too_long"
        ):
            return MessageTooLong()
    if not items:
        return InvalidRequest()
    first = items[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    if (
        first.get("type") == "string_pattern_mismatch"
        and where.split(".")[-1] in _PATTERN_SENTENCES
    ):
        return InvalidRequest(_PATTERN_SENTENCES[where.split(".")[-1]])
    sentence = _VALIDATION_SENTENCES.get(first.get("type", ""))
    if sentence:
        return InvalidRequest(sentence.format(where=where or "body"))
    message = str(first.get("msg", "is not valid")).removeprefix("Value error, ")
    return InvalidRequest(
        f"{where}: {message}." if where else f"{message[:1].upper()}{message[1:]}."
    )


def as_json_request(event: dict[str, Any]) -> dict[str, Any]:
    """The API speaks only JSON: read every body as JSON, whatever Content-Type says.

    Otherwise Powertools parses a body sent as a form (curl -d does that) as form
    fields and the caller gets a confusing error instead of "not valid JSON".
    """
    headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
    return {**event, "headers": {**headers, "content-type": "application/json"}}


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError("a number out of range")
    return value


def malformed_body(event: dict[str, Any]) -> str | None:
    """Why the body is not a JSON object this API can read; None when it is (or absent).

    Checked before the resolver, whose own parsing turns these into 500s: bytes that
    are not UTF-8 (other encodings included), nesting deep enough to exhaust the
    parser, numbers it refuses (NaN, Infinity, 1e999, integers of thousands of
    digits), and JSON that is not an object (the resolver would keep an array's first element
    and drop the rest).
    """
    raw = event.get("body")
    if raw is None or raw == "":
        return None
    try:
        data = base64.b64decode(raw, validate=True) if event.get("isBase64Encoded") else None
        text = data.decode("utf-8") if data is not None else str(raw)
    except (binascii.Error, ValueError):
        return "The body must be JSON encoded as UTF-8."
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
    except RecursionError:
        return "The body is nested too deeply."
    except ValueError:
        return "The body is not valid JSON."
    if not isinstance(value, dict):
        return "The body must be a JSON object."
    return None


def _bad_request(event: dict[str, Any], sentence: str) -> dict[str, Any]:
    request_id = str((event.get("requestContext") or {}).get("requestId") or "")
    count_error(InvalidRequest.code)
    body = {"error": {"code": InvalidRequest.code, "message": sentence, "request_id": request_id}}
    return {
        "statusCode": 400,
        "headers": {"Content-Type": "application/json", **NO_STORE},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def lambda_handler_for(app: APIGatewayHttpResolver, *, traced: bool = True) -> Handler:
    """The Lambda entry point of a one-route function: logging, metrics, tracing, resolve.

    ``traced=False`` for routes that do no I/O (health, agents): X-Ray would only add
    cold-start time to them.
    """

    @metrics.log_metrics
    def resolve(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        problem = malformed_body(event)
        if problem:
            return _bad_request(event, problem)
        return app.resolve(as_json_request(event), context)

    if traced and tracing_enabled():
        resolve = tracer().capture_lambda_handler(resolve)
    handler: Handler = logger.inject_lambda_context(
        resolve, correlation_id_path=correlation_paths.API_GATEWAY_HTTP
    )
    return handler
