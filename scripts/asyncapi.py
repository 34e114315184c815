"""Writes asyncapi.json: the WebSocket of live replies, from the event models in the layer.

Like openapi.json it is generated, never edited: the schemas are the pydantic models
the worker serializes (chat_core/live/events.py), so the document cannot drift from
what is sent. `make openapi` writes both; a unit test fails when either is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, get_args

from scripts.generated_file import write_or_check

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "asyncapi.json"


def build_document() -> dict[str, Any]:
    sys.path[:0] = [str(ROOT / "layers" / "chat_core" / "python")]
    from pydantic import BaseModel

    from chat_core.live.events import LiveEvent

    class Ping(BaseModel):
        action: str = "ping"

    class Pong(BaseModel):
        type: str = "pong"

    # Every event the backend sends, from the union it sends (none can be left out).
    server_messages: list[type[BaseModel]] = list(get_args(LiveEvent))
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    every: list[type[BaseModel]] = [*server_messages, Pong, Ping]
    for model in every:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
        messages[model.__name__] = {
            "name": model.__name__,
            "contentType": "application/json",
            "summary": (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else "",
            "payload": {"$ref": f"#/components/schemas/{model.__name__}"},
        }
    sent = [*(m.__name__ for m in server_messages), "Pong"]
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Chat API live replies",
            "version": "1.0.0",
            "description": "The WebSocket that carries a user's turns as they are written "
            "(docs/api.md, 'Streamed turns'). Connect offering the subprotocols chat.v1 and "
            "bearer.<JWT>; turns start and stop over the HTTP API (openapi.json).",
        },
        "servers": {
            "aws": {
                "host": "{apiId}.execute-api.{region}.amazonaws.com",
                "pathname": "/{stage}",
                "protocol": "wss",
                "description": "The stack's WebSocketUrl output",
                "variables": {
                    "apiId": {"description": "the WebSocket API's id"},
                    "region": {"default": "us-east-1"},
                    "stage": {"enum": ["dev", "staging", "prod"], "default": "dev"},
                },
            },
            "local": {"host": "127.0.0.1:3000", "pathname": "/ws", "protocol": "ws"},
        },
        "channels": {
            "live": {
                "address": "/",
                "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in messages},
            }
        },
        "operations": {
            "receiveTurnEvents": {
                "action": "receive",
                "channel": {"$ref": "#/channels/live"},
                "summary": "Every turn of the user, to every open connection of the user",
                "messages": [{"$ref": f"#/channels/live/messages/{name}"} for name in sent],
            },
            "sendPing": {
                "action": "send",
                "channel": {"$ref": "#/channels/live"},
                "summary": "Keeps the connection alive (API Gateway closes it after 10 idle "
                "minutes)",
                "messages": [{"$ref": "#/channels/live/messages/Ping"}],
            },
        },
        "components": {"messages": messages, "schemas": dict(sorted(schemas.items()))},
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"


def main() -> None:
    write_or_check(OUTPUT, render(build_document()), __doc__)


if __name__ == "__main__":
    main()
