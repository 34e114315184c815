"""What the local stack serves besides the API: the OpenAPI document, /docs, CORS, the UI."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

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
