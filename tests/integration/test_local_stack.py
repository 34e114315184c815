"""What the local stack serves besides the API: the OpenAPI document, /docs, CORS, the UI."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from local.invoke import invoke
from local.template import ROOT
from tests.support.api_client import ApiClient


def test_the_openapi_document_and_docs_page_are_served(stack: Any) -> None:
    served = ApiClient(stack.base_url).get("/v1/openapi.json")
    assert served.status == 200
    assert served.body == json.loads((ROOT / "openapi.json").read_text())
    with urllib.request.urlopen(f"{stack.base_url}/docs", timeout=10) as page:  # noqa: S310 - loopback
        html = page.read().decode()
    # Powertools' Swagger UI with the document and its script inline (nothing downloads)
    assert "SwaggerUIBundle" in html and "/v1/conversations/{id}/messages" in html
    assert "<script src=" not in html and "https://" not in html.split("SwaggerUIBundle")[0][-2000:]


def test_cors_preflight_allows_the_configured_origin_only(stack: Any) -> None:
    def preflight(origin: str) -> dict[str, str]:
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{stack.base_url}/v1/chat",
            method="OPTIONS",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return {k.lower(): v for k, v in response.headers.items()}

    allowed = preflight("http://localhost:5173")
    assert allowed["access-control-allow-origin"] == "http://localhost:5173"
    assert "idempotency-key" in allowed["access-control-allow-headers"]
    assert "access-control-allow-origin" not in preflight("https://evil.example")


def test_client_side_routes_get_the_app(stack: Any) -> None:
    with urllib.request.urlopen(f"{stack.base_url}/some/client/route", timeout=10) as page:  # noqa: S310
        assert page.headers["Content-Type"].startswith("text/html")


def test_the_control_endpoints_refuse_web_pages_and_rebound_names(stack: Any) -> None:
    """A page the developer visits must not mint tokens, invoke functions or post to
    sockets: cross-site, a rebound Host or a form body is refused; curl and boto3 pass."""
    client = ApiClient(stack.base_url)
    token = {"sub": "victim"}
    assert client.post("/local/token", token).status == 200
    hostile = [
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Host": "evil.example"},
        {"Content-Type": "text/plain"},
    ]
    for headers in hostile:
        refused = client.post("/local/token", token, headers=headers)
        assert (refused.status, refused.error_code()) == (403, "forbidden"), headers
        invoke = client.post(
            "/local/lambda/2015-03-31/functions/GetConversationFunction/invocations",
            {},
            headers=headers,
        )
        assert invoke.status == 403, headers
        post = client.post("/local/ws-management/@connections/abc", {}, headers=headers)
        assert post.status == 403, headers
    same_origin = {"Origin": stack.base_url, "Sec-Fetch-Site": "same-origin"}
    assert client.post("/local/token", token, headers=same_origin).status == 200


def test_make_invoke_runs_a_handler_with_its_sample_event_as_sam_local_invoke_would(
    stack: Any,
) -> None:
    """`make invoke`'s invoke, on the shared stack: the sample events reach the real
    handlers with the template's environment."""
    events = ROOT / "events"
    created, raised = invoke(stack, "ChatFunction", json.loads((events / "chat.json").read_text()))
    assert not raised and created["statusCode"] in (200, 201), created
    missing, raised = invoke(
        stack, "GetConversationFunction", json.loads((events / "get_conversation.json").read_text())
    )
    assert not raised and missing["statusCode"] in (403, 404), missing
    assert json.loads(missing["body"])["error"]["code"] in ("forbidden", "not_found")
