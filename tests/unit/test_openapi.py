"""The OpenAPI document is generated from the code and agrees with template.yaml and docs/api.md."""

from __future__ import annotations

import json
from pathlib import Path

from scripts import api_limits
from scripts.openapi import METERED, OUTPUT, build_document, render
from tests.support.template import http_routes

ROOT = Path(__file__).resolve().parents[2]

CONTRACT_ROUTES = {
    ("get", "/v1/health"),
    ("post", "/v1/conversations/{id}/approval"),
    ("get", "/v1/usage"),
    ("post", "/v1/chat"),
    ("get", "/v1/agents"),
    ("post", "/v1/conversations"),
    ("get", "/v1/conversations"),
    ("get", "/v1/conversations/{id}"),
    ("patch", "/v1/conversations/{id}"),
    ("delete", "/v1/conversations/{id}"),
    ("get", "/v1/conversations/{id}/messages"),
    ("get", "/v1/conversations/{id}/export"),
    ("put", "/v1/conversations/{id}/messages/{seq}/feedback"),
    ("delete", "/v1/conversations/{id}/messages/{seq}/feedback"),
    ("post", "/v1/conversations/{id}/regenerate"),
    ("post", "/v1/conversations/{id}/continue"),
    ("put", "/v1/conversations/{id}/messages/{seq}"),
    ("get", "/v1/conversations/{id}/messages/{seq}/versions/{version}"),
    ("get", "/v1/stats"),
    ("get", "/v1/search/conversations"),
    ("post", "/v1/conversations/{id}/stop"),
}


def test_committed_document_is_current() -> None:
    assert Path(OUTPUT).read_text() == render(build_document()), "run `make openapi`"


def test_the_ui_takes_its_limits_from_the_document() -> None:
    document = json.loads(Path(OUTPUT).read_text())
    assert api_limits.OUTPUT.read_text() == api_limits.render(api_limits.limits(document)), (
        "run `make openapi`"
    )
    assert api_limits.limits(document) == {"messageChars": 16000, "titleChars": 200}


def test_document_routes_are_the_template_routes_and_the_contract() -> None:
    document = json.loads(Path(OUTPUT).read_text())
    documented = {(method, path) for path, ops in document["paths"].items() for method in ops}
    assert documented == set(http_routes()) == CONTRACT_ROUTES


def test_every_route_but_health_needs_a_token_and_documents_errors() -> None:
    document = json.loads(Path(OUTPUT).read_text())
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path == "/v1/health":
                assert "security" not in operation
                continue
            assert operation["security"] == [{"bearerJwt": []}], (method, path)
            assert {"400", "401", "503"} <= set(operation["responses"]), (method, path)
            assert "422" not in operation["responses"] or (method, path) == ("post", "/v1/chat")


def test_each_route_is_served_by_the_function_folder_named_after_it() -> None:
    folders = http_routes()
    assert folders[("post", "/v1/chat")] == "chat"
    assert folders[("get", "/v1/health")] == "health"
    assert len(set(folders.values())) == len(folders), "one function per route"


def test_every_route_that_spends_the_action_budget_documents_429() -> None:
    """The functions that spend one of the caller's actions per minute (create_app with
    ``spend``) are exactly the routes the document says may answer 429 for it."""
    spending = set()
    for app_file in sorted((ROOT / "functions").glob("*/app.py")):
        if "create_app(spend=spend_action)" in app_file.read_text():
            spending.add(app_file.parent.name)
    assert spending == {
        "create_conversation",
        "update_conversation",
        "delete_conversation",
        "put_feedback",
        "delete_feedback",
        "search_conversations",
        "export_conversation",
    }
    document = json.loads(Path(OUTPUT).read_text())
    for method, path in METERED:
        assert "429" in document["paths"][path][method]["responses"], (method, path)
