"""Generates the API's OpenAPI 3.1 document from the handlers' own routes and models.

Each Lambda function has its own Powertools resolver; Powertools' OpenAPIMerge joins
their generated schemas into one document, and this replaces Powertools' default 422
validation response with the contract's error responses (docs/api.md), so the
document says what the API really answers. `make openapi` writes openapi.json; a test
fails when it drifts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from scripts.generated_file import write_or_check

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "openapi.json"
TITLE = "Chat API"
VERSION = "1.0.0"

_ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
_ERROR_TEXT = {
    400: "Invalid request (code invalid_request, unknown_agent_type or invalid_cursor)",
    403: "The conversation belongs to someone else (forbidden)",
    404: "No such conversation, or it was deleted (not_found)",
    409: "Conflict: conversation_busy (a turn of the conversation is in flight, or too "
    "many changes at once) or "
    "request_in_progress (the same Idempotency-Key is still running), both with "
    "Retry-After; no_turn_in_progress (stop: nothing is being generated); "
    "nothing_to_regenerate (regenerate: the last message is not a reply); "
    "nothing_to_continue (continue: the last message is not a reply cut short); "
    "nothing_to_approve (approval: the last reply is not waiting for an approval); "
    "message_not_editable (edit: not the last user message)",
    413: "Message over the length limit (message_too_long)",
    422: "Conversation full, or Idempotency-Key reused with another body",
    429: "Request or token budget spent (rate_limited); Retry-After",
    502: "The model refused the request: the agent is misconfigured "
    "(agent_misconfigured; no Retry-After: retrying cannot help)",
    503: "Model or storage unavailable; Retry-After",
}
_GATEWAY_401 = {
    "description": "No, bad or expired token (answered by the API Gateway JWT authorizer)",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"message": {"type": "string", "const": "Unauthorized"}},
                "required": ["message"],
            }
        }
    },
}


def _load_app(folder: Path) -> Any | None:
    """The function's HTTP resolver, or None for a function that serves no route."""
    from local.lambda_runtime import load_module

    return getattr(load_module(folder / "app.py", f"openapi_{folder.name}"), "app", None)


_GATEWAY_431 = {
    "description": "Request line and headers over 10,240 bytes (API Gateway's quota, answered "
    "by the gateway)",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"message": {"type": "string"}},
                "required": ["message"],
            }
        }
    },
}


_REWRITES = (
    "/v1/conversations/{id}/regenerate",
    "/v1/conversations/{id}/continue",
    "/v1/conversations/{id}/approval",
    "/v1/conversations/{id}/messages/{seq}",
)


# Routes that write or scan: each spends one of the caller's actions per minute
# (services/action_budget.py), so each may answer 429.
METERED = {
    ("post", "/v1/conversations"),
    ("patch", "/v1/conversations/{id}"),
    ("delete", "/v1/conversations/{id}"),
    ("put", "/v1/conversations/{id}/messages/{seq}/feedback"),
    ("delete", "/v1/conversations/{id}/messages/{seq}/feedback"),
    ("get", "/v1/search/conversations"),
    ("get", "/v1/conversations/{id}/export"),
}


def _error_statuses(path: str, method: str) -> list[int]:
    statuses = {400, 503}
    if (method, path) in METERED:
        statuses |= {429}
    if "{id}" in path:
        statuses |= {403, 404}
    if (method, path) == ("post", "/v1/chat"):
        statuses |= {403, 404, 409, 413, 422, 429, 502}
    if path in _REWRITES:  # turns too: busy, the budgets; an edit's text has a limit
        statuses |= {409, 413, 429, 502} if method == "put" else {409, 429, 502}
    if (method, path) in (("post", "/v1/conversations"), ("post", "/v1/conversations/{id}/stop")):
        statuses |= {409}
    if method in ("patch", "put", "delete"):
        # A change that lost its races past the retry budget (conversation_busy), or an
        # archive while a reply is being written.
        statuses |= {409}
    return sorted(statuses)


def _contract_responses(path: str, method: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    responses.pop("422", None)  # Powertools' default; validation errors are 400 here
    if path == "/v1/health":
        responses["431"] = _GATEWAY_431
        return
    for status in _error_statuses(path, method):
        responses[str(status)] = {
            "description": _ERROR_TEXT[status],
            "content": {"application/json": {"schema": _ERROR_REF}},
        }
    responses["401"] = _GATEWAY_401
    responses["431"] = _GATEWAY_431
    operation["security"] = [{"bearerJwt": []}]


_CONVERSATION = "#/paths/~1v1~1conversations~1{id}"
# What one answer's ids are for: OpenAPI links, so a tool (or a reader, or Schemathesis'
# stateful phase) knows that the conversation a turn or a creation returns is what the
# {id} routes take.
_LINKS_FROM = {
    ("post", "/v1/chat"): "$response.body#/conversation_id",
    ("post", "/v1/conversations"): "$response.body#/id",
}
_LINKED_OPERATIONS = {
    "GetConversation": f"{_CONVERSATION}/get",
    "ListMessages": "#/paths/~1v1~1conversations~1{id}~1messages/get",
    "RenameConversation": f"{_CONVERSATION}/patch",
    "DeleteConversation": f"{_CONVERSATION}/delete",
    "StopTurn": "#/paths/~1v1~1conversations~1{id}~1stop/post",
    "RegenerateReply": "#/paths/~1v1~1conversations~1{id}~1regenerate/post",
    "ContinueReply": "#/paths/~1v1~1conversations~1{id}~1continue/post",
    "DecideApproval": "#/paths/~1v1~1conversations~1{id}~1approval/post",
}


def _truthful(path: str, method: str, operation: dict[str, Any]) -> None:
    """What the generated operation cannot say by itself: empty 204s, links."""
    for status, response in operation.get("responses", {}).items():
        if status == "204":
            response.pop("content", None)  # DELETE answers 204 with no body at all
        source = _LINKS_FROM.get((method, path))
        if source and status in ("200", "201", "202"):
            response["links"] = {
                name: {"operationRef": ref, "parameters": {"id": source}}
                for name, ref in _LINKED_OPERATIONS.items()
            }


def build_document(functions_dir: Path = ROOT / "functions") -> dict[str, Any]:
    """The merged document of every functions/<name>/app.py resolver."""
    sys.path[:0] = [str(ROOT / "layers" / "chat_core" / "python")]
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

    from chat_core.models import ErrorBody

    # Powertools' own merge: each function's resolver (`app`), loaded from its app.py.
    merge = OpenAPIMerge(title=TITLE, version=VERSION, on_conflict="error")
    # Each function's app.py is loaded here under a module name of its own: Powertools'
    # file discovery loads every file as "app", so same-named handlers replace each other
    # and routes sharing a path (GET and POST /v1/conversations) would be lost.
    for folder in sorted(p for p in functions_dir.iterdir() if (p / "app.py").exists()):
        app = _load_app(folder)
        if app is not None:
            merge.add_schema(app.get_openapi_schema(title=TITLE, version=VERSION))
    merged = json.loads(merge.get_openapi_json_schema())
    paths: dict[str, Any] = merged.get("paths", {})
    schemas: dict[str, Any] = merged.get("components", {}).get("schemas", {})
    for path, operations in paths.items():
        for method, operation in operations.items():
            _contract_responses(path, method, operation)
            _truthful(path, method, operation)
    for unused in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        schemas.pop(unused, None)
    schemas.update(
        ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")["$defs"]
    )
    schemas["ErrorBody"] = {
        k: v
        for k, v in ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}").items()
        if k != "$defs"
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": "Persistent, per-user chat conversations with an AI agent. "
            "See docs/api.md; live replies: asyncapi.json.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "bearerJwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def main() -> None:
    write_or_check(OUTPUT, render(build_document()), __doc__)


if __name__ == "__main__":
    main()
