"""How a reply ended, in a real browser: a reply cut at its length limit says so and
Continue goes on from there; a reasoning model's thinking shows while it thinks, and
stays folded above the answer after a reload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import box, new_user, screenshot, send, sign_in

LENGTH_NOTE = "Cut short: the answer reached its length limit."


def test_a_reply_cut_at_its_length_limit_is_marked_and_continue_goes_on(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    sign_in(page, stack.base_url, new_user("cut"))
    # The concise agent's answer budget (with the default reasoning model's room to
    # think) is 2,304 tokens; the stub streams one token per word, fast.
    page.get_by_label("Agent type").select_option("concise")
    send(page, "Tell me everything [stub:words=2400] [stub:rate=5000]")
    reply = page.locator("ol.messages .message.assistant[data-seq]").last
    note = reply.locator(".ending-note")
    expect(note).to_have_text(f"{LENGTH_NOTE}Continue", timeout=30_000)
    expect(reply).to_have_attribute("data-status", "incomplete")
    cut_text = reply.locator(".markdown").inner_text()
    assert "word2200" in cut_text and "word2400" not in cut_text
    box(page).fill("a draft kept while it goes on")
    reply.scroll_into_view_if_needed()
    screenshot(page, "reply-cut-at-length")

    reply.get_by_role("button", name="Continue").click()
    continued = page.locator("ol.messages .message.assistant[data-seq]").last
    expect(continued).to_contain_text("Your previous answer was cut short", timeout=30_000)
    expect(continued).to_have_attribute("data-status", "ok")
    expect(continued.locator(".ending-note")).to_have_count(0)
    assert continued.locator(".markdown").inner_text().startswith(cut_text[:200])
    expect(continued.get_by_role("group", name="Versions of this reply")).to_contain_text("2 / 2")
    expect(page.locator("ol.messages .message.assistant")).to_have_count(1)  # the same reply
    expect(box(page)).to_have_value("a draft kept while it goes on")
    screenshot(page, "reply-continued")


def test_a_reasoning_reply_shows_its_thinking_live_and_after_a_reload(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    sign_in(page, stack.base_url, new_user("thinker"))
    send(page, "Think first [stub:think=60] [stub:rate=20]")
    live = page.locator("ol.messages [data-live]")
    thinking = live.locator("details.thinking")
    expect(thinking.locator("summary")).to_contain_text("Thinking…")
    expect(thinking.locator("summary")).to_contain_text(" s")
    thinking.locator("summary").click()  # open it to read along
    expect(thinking).to_contain_text("thought3")
    screenshot(page, "reply-thinking-live")

    reply = page.locator("ol.messages .message.assistant[data-seq]").last
    expect(reply).to_contain_text("Think first", timeout=30_000)
    folded = reply.locator("details.thinking")
    expect(folded.locator("summary")).to_have_text("Thinking")
    expect(folded).not_to_have_attribute("open", "")
    page.reload()
    reply = page.locator("ol.messages .message.assistant[data-seq]").last
    folded = reply.locator("details.thinking")
    expect(folded.locator("summary")).to_have_text("Thinking")
    assert not folded.locator(".thinking-text").is_visible()  # folded until asked
    folded.locator("summary").click()
    expect(folded.locator(".thinking-text")).to_contain_text("thought60")
    expect(reply.locator(":scope > .markdown")).not_to_contain_text("thought")
    screenshot(page, "reply-thinking-after-reload")
