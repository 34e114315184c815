"""An agent that calls tools, in a real browser: each call is a compact card in the
reply (name, arguments, output, duration, error), live while the reply streams and
the same after a reload."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import new_user, screenshot, send, sign_in

CALLS = '[stub:tool=calculator {"expression": "6 * 7"}] [stub:tool=calculator {oops}]'


def test_tool_calls_are_cards_live_and_after_a_reload(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    sign_in(page, stack.base_url, new_user("toolsy"))
    page.get_by_label("Agent type").select_option("assistant")
    send(page, f"What is 6 times 7? {CALLS} [stub:words=150] [stub:rate=25]")
    live = page.locator("ol.messages [data-live]")
    cards = live.locator("details.tool-call")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_have_attribute("data-state", "done")
    expect(cards.nth(1)).to_have_attribute("data-state", "error")
    expect(live).to_contain_text("Tool results")  # the answer streams after the calls
    cards.nth(0).locator("summary").click()
    expect(cards.nth(0)).to_contain_text('"result": 42')
    screenshot(page, "tool-cards-live")

    reply = page.locator("ol.messages .message.assistant[data-seq]").last
    expect(reply).to_contain_text("word150", timeout=60_000)
    page.reload()
    reply = page.locator("ol.messages .message.assistant[data-seq]").last
    cards = reply.locator("details.tool-call")
    expect(cards).to_have_count(2)
    expect(cards.nth(0).locator(".tool-name")).to_have_text("calculator")
    expect(cards.nth(0).locator(".tool-status")).to_contain_text("done in")
    expect(cards.nth(1).locator(".tool-status")).to_contain_text("failed")
    assert not cards.nth(1).locator(".tool-body").is_visible()  # folded until asked
    cards.nth(1).locator("summary").press("Enter")  # the keyboard opens it too
    expect(cards.nth(1)).to_contain_text("Invalid arguments")
    expect(cards.nth(1)).to_contain_text("{oops}")
    screenshot(page, "tool-cards-after-reload")


def test_the_notes_agent_calls_the_local_mcp_server(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    """make dev's first minute: the notes agent type reaches the notes MCP server."""
    page = new_page()
    sign_in(page, stack.base_url, new_user("notesy"))
    page.get_by_label("Agent type").select_option("notes")
    send(page, "What did I save? [stub:tool=list_notes {}]")
    reply = page.locator("ol.messages .message.assistant[data-seq]").last
    expect(reply).to_contain_text("Tool results: list_notes", timeout=30_000)
    card = reply.locator("details.tool-call")
    expect(card).to_have_count(1)
    expect(card.locator(".tool-name")).to_have_text("list_notes")
    expect(card.locator(".tool-status")).to_contain_text("done in")
    card.locator("summary").click()
    expect(card).to_contain_text(re.compile(r"There are no notes yet\.|1\. "))
    # The sidebar counts today's tokens against the daily budget (GET /v1/usage).
    expect(page.locator(".sidebar .usage")).to_contain_text(
        re.compile(r"Today: [1-9][\d,]* of 200,000 tokens")
    )
    screenshot(page, "mcp-notes-tool-card")


def test_a_write_waits_for_approval_and_the_decision_goes_on_after_a_reload(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    """add_note needs approval: the reply waits with Approve and Reject (the sidebar
    says so), the wait survives a reload, and each decision goes on in the same reply."""
    page = new_page()
    sign_in(page, stack.base_url, new_user("approver"))
    page.get_by_label("Agent type").select_option("notes")
    send(page, 'Remember milk [stub:tool=add_note {"text": "milk"}]')
    prompt = page.locator("ol.messages .approval")
    expect(prompt).to_contain_text("add_note", timeout=30_000)
    reply = page.locator("ol.messages .message.assistant[data-seq]").last
    expect(reply.locator("details.tool-call")).to_have_attribute("data-state", "pending")
    expect(page.locator(".sidebar .conversation .waiting")).to_have_text(
        "Waiting for your approval"
    )
    screenshot(page, "approval-asked")
    prompt.get_by_role("button", name="Approve").click()
    expect(reply).to_contain_text("Tool results: add_note: Saved note", timeout=30_000)
    expect(page.locator("ol.messages .approval")).to_have_count(0)
    expect(reply.locator(".tool-status")).to_contain_text("done in")
    screenshot(page, "approval-approved")

    send(page, 'And eggs [stub:tool=add_note {"text": "eggs"}]')
    expect(page.locator("ol.messages .approval")).to_contain_text("add_note", timeout=30_000)
    page.reload()
    prompt = page.locator("ol.messages .approval")
    expect(prompt).to_contain_text("add_note")  # the wait survived the reload
    prompt.get_by_label("Reason (optional, for a rejection)").fill("not now")
    prompt.get_by_role("button", name="Reject").focus()
    page.keyboard.press("Enter")  # the keyboard decides too
    reply = page.locator("ol.messages .message.assistant[data-seq]").last
    expect(reply).to_contain_text("Reason: not now", timeout=30_000)
    expect(reply.locator(".tool-status").last).to_have_text("rejected")
    expect(page.locator(".sidebar .conversation .waiting")).to_have_count(0)
    screenshot(page, "approval-rejected")
