"""Browser tests: Debian's Chromium driven by Playwright against the real local stack."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect, sync_playwright

from local.template import ROOT
from local.testing import running_stack
from tests.support.chromium import CHROMIUM_ARGS, chromium_executable

pytestmark = pytest.mark.e2e
RESULTS = ROOT / "test-results" / "e2e"


def pytest_configure() -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="session")
def stack() -> Iterator[Any]:
    if not (ROOT / "web" / "dist" / "index.html").exists():
        pytest.fail("web/dist is not built: run `make web` (make test-e2e does)")
    # Generated titles off: they would race every test that reads a title after the
    # first reply (the titles test starts its own stack, titled_stack).
    with running_stack(
        env={
            "RATE_LIMIT_TURNS_PER_MINUTE": "1000",
            "RATE_LIMIT_ACTIONS_PER_MINUTE": "1000",
            "GENERATE_TITLES": "false",
        }
    ) as running:
        yield running


@pytest.fixture(scope="module")
def titled_stack() -> Iterator[Any]:
    """A stack of its own with generated titles on, as `make dev` runs."""
    env = {"RATE_LIMIT_TURNS_PER_MINUTE": "1000", "RATE_LIMIT_ACTIONS_PER_MINUTE": "1000"}
    with running_stack(env=env) as running:
        yield running


# A streamed reply of a few hundred words takes seconds on a loaded 2-core machine:
# assertions wait as long as page actions do (Playwright's own default is 5 s).
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_executable()
    if executable is None:
        pytest.fail("Debian's chromium is missing: run `scripts/bootstrap.sh --browser`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    contexts = []

    def make(**options: Any) -> Page:
        context = browser.new_context(reduced_motion="reduce", **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        dialogs: list[str] = []

        def dismiss(dialog: Dialog) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", dismiss)
        page.dialogs = dialogs  # type: ignore[attr-defined]
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Page, base_url: str, user: str) -> None:
    page.goto(base_url + "/")
    page.get_by_label("User name").fill(user)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Message", exact=True).wait_for()


def screenshot(page: Page, name: str) -> None:
    page.screenshot(path=str(RESULTS / f"{name}.png"), full_page=True)


def record_metric(name: str, value: float) -> None:
    path = RESULTS / "metrics.json"
    metrics = json.loads(path.read_text()) if path.exists() else {}
    metrics[name] = value
    path.write_text(json.dumps(metrics, indent=2))


def new_user(prefix: str) -> str:
    """A user name of its own per test, so tests never see each other's conversations."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def box(page: Page) -> Any:
    return page.get_by_label("Message", exact=True)


def send(page: Page, text: str) -> None:
    """Types a message and sends it with Enter, as a user does."""
    box(page).fill(text)
    box(page).press("Enter")
