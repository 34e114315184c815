"""When things fail the user understands it and loses nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from local.dynamodb_local import free_port  # nothing listens there: a closed port
from local.testing import running_stack
from tests.e2e.conftest import screenshot, sign_in
from tests.support.minute import within_one_minute


@pytest.fixture(scope="module")
def stack_without_model() -> Iterator[Any]:
    env = {
        "OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
        "MODEL_MAX_RETRIES": "0",
        "RATE_LIMIT_TURNS_PER_MINUTE": "2",
    }
    with running_stack(env=env) as running:
        yield running


def test_model_down_shows_the_failed_message_with_retry_then_429_keeps_the_draft(
    stack_without_model: Any, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    sign_in(page, stack_without_model.base_url, f"down-{uuid.uuid4().hex[:6]}")
    within_one_minute(20)
    box = page.get_by_label("Message", exact=True)
    box.fill("Is the model there?")
    box.press("Enter")
    failed = page.locator(".message.failed")
    expect(failed).to_contain_text("Is the model there?")
    expect(page.get_by_role("alert")).to_contain_text("unavailable")
    expect(failed.get_by_role("button", name="Retry")).to_be_visible()
    screenshot(page, "06-model-down")

    failed.get_by_role("button", name="Retry").click()  # the second turn this minute: 503 again
    # The retry answered the stored message again: still one copy of it, still retryable.
    expect(page.get_by_role("alert")).to_contain_text("unavailable")
    expect(page.locator(".message.failed")).to_have_count(1)
    expect(page.locator(".message.user")).to_have_count(1)
    expect(page.locator(".message.failed").get_by_role("button", name="Retry")).to_be_visible()

    box.fill("a draft I must not lose")
    box.press("Enter")  # the third turn this minute: 429
    expect(page.get_by_role("alert")).to_contain_text("Try again in")
    expect(box).to_have_value("a draft I must not lose")
    screenshot(page, "07-rate-limited")
