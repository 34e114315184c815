"""/docs: Powertools' Swagger UI renders the API's document offline, in a real browser."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page

from tests.e2e.conftest import screenshot


def test_the_docs_page_lists_every_route_without_any_download(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(stack.base_url) else None,
    )
    page.goto(stack.base_url + "/docs")
    page.locator(".opblock").first.wait_for()
    summaries = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/v1/chat" in s for s in summaries)
    assert any("/v1/conversations/{id}/messages" in s for s in summaries)
    assert len(summaries) >= 11  # every route of the contract
    assert [u for u in outside if not u.startswith("data:")] == []
    screenshot(page, "api-docs")
