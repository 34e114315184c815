"""Two functions invoked at the same moment in the local stack each see their own request.

Lambda gives every request a process of its own; the local stack runs every function
in one process, where Powertools keeps the event being resolved process-wide. CI once
answered a chat POST with "body is required" because the sidebar's GET, resolved by
another function at that moment, had replaced its event.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from pydantic import BaseModel

from local.lambda_runtime import HttpRequest, LambdaContext, build_event

CONTEXT: Any = LambdaContext()


class Note(BaseModel):
    text: str


def _event(method: str, path: str, body: bytes = b"") -> dict[str, Any]:
    headers = [("content-type", "application/json")]
    request = HttpRequest(method, path, "", headers, body, "127.0.0.1")
    return build_event(request, f"{method} {path}", {}, {"sub": "user-1"}, [], "request-1")


def test_a_post_keeps_its_body_while_another_function_resolves_a_get() -> None:
    poster = APIGatewayHttpResolver(enable_validation=True)
    lister = APIGatewayHttpResolver(enable_validation=True)
    posting = threading.Event()
    listed = threading.Event()

    @poster.post("/notes")
    def post_note(note: Note) -> dict[str, Any]:
        posting.set()
        assert listed.wait(30), "the GET never ran"
        return {"text": note.text, "body": poster.current_event.json_body}

    @lister.get("/notes")
    def list_notes() -> dict[str, Any]:
        return {"notes": []}

    answers: dict[str, Any] = {}
    post = threading.Thread(
        target=lambda: answers.update(
            post=poster.resolve(_event("POST", "/notes", b'{"text": "mine"}'), CONTEXT)
        )
    )
    post.start()
    assert posting.wait(30)
    answers["get"] = lister.resolve(_event("GET", "/notes"), CONTEXT)
    listed.set()
    post.join(30)

    assert not post.is_alive()
    assert answers["get"]["statusCode"] == 200
    assert answers["post"]["statusCode"] == 200, answers["post"]["body"]
    # What the handler read from its event after the GET: its own body, not none.
    assert json.loads(answers["post"]["body"])["body"] == {"text": "mine"}
    assert poster.current_event.request_context.http.method == "POST"


def test_a_resolver_that_has_not_resolved_has_no_event_yet() -> None:
    """As without the local runtime: reading it is an AttributeError, not a KeyError."""
    resolver = APIGatewayHttpResolver()
    assert getattr(resolver, "current_event", None) is None
