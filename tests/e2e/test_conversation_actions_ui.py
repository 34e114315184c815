"""What people do with a conversation besides sending the next message,
in a real browser: rate a reply, find a conversation by its title."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import new_user, screenshot, send, sign_in
from tests.support.api_client import ApiClient


def test_rate_a_reply_comment_on_it_and_take_it_back(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    sign_in(page, stack.base_url, new_user("rate"))
    send(page, "What is the capital of Australia?")
    reply = page.locator("ol.messages .message.assistant").first
    expect(reply).to_contain_text("capital of Australia")
    expect(page.get_by_role("button", name="Stop")).to_have_count(0)  # the reply is stored
    page.get_by_label("Message", exact=True).fill("a draft I have not sent")

    rating = reply.get_by_role("group", name="Rate reply 2")
    rating.get_by_role("button", name="Bad reply").click()
    expect(rating.get_by_role("button", name="Bad reply")).to_have_attribute("aria-pressed", "true")
    rating.get_by_label("Comment on this reply (optional)").fill("It is Canberra, not Sydney.")
    rating.get_by_role("button", name="Send").click()
    expect(rating.get_by_role("status")).to_have_text("Thanks for the feedback.")
    screenshot(page, "15-feedback")

    # Stored: after a reload the rating and the comment are still there.
    page.reload()
    reply = page.locator("ol.messages .message.assistant").first
    rating = reply.get_by_role("group", name="Rate reply 2")
    expect(rating.get_by_role("button", name="Bad reply")).to_have_attribute("aria-pressed", "true")
    rating.get_by_role("button", name="Edit comment").click()
    expect(rating.get_by_label("Comment on this reply (optional)")).to_have_value(
        "It is Canberra, not Sydney."
    )
    # Changed to a thumbs up, then taken back by clicking it again.
    good, bad = (rating.get_by_role("button", name=n) for n in ("Good reply", "Bad reply"))
    good.click()
    expect(good).to_have_attribute("aria-pressed", "true")
    expect(bad).to_have_attribute("aria-pressed", "false")
    good.click()
    expect(good).to_have_attribute("aria-pressed", "false")
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_label("Message", exact=True)).to_have_value("a draft I have not sent")


def test_search_finds_a_conversation_by_part_of_its_title_archived_ones_too(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    name = new_user("find")
    api = ApiClient(stack.base_url, stack.token(name))
    lyon = api.post("/v1/conversations", {"title": "Café crème in Lyon"}).body["id"]
    api.post("/v1/conversations", {"title": "Trip to Turin"})
    api.post("/v1/conversations", {"title": "Crêpes for four"})
    api.patch(f"/v1/conversations/{lyon}", {"status": "archived"})
    page = new_page()
    sign_in(page, stack.base_url, name)
    sidebar = page.get_by_role("navigation", name="Conversations")
    results = sidebar.get_by_role("region", name="Search results")

    box = sidebar.get_by_role("searchbox", name="Search conversations")
    box.fill("CAFE")
    expect(results.locator(".conversation .title")).to_have_text(["Café crème in Lyon"])
    expect(results).to_contain_text("archived")
    box.fill("cre")  # an infix of "Crêpes" and of "crème", accents ignored
    expect(results.locator(".conversation .title")).to_have_text(
        ["Crêpes for four", "Café crème in Lyon"]
    )
    screenshot(page, "16-search")
    results.get_by_role("button", name="Café crème in Lyon").click()
    expect(page.get_by_role("heading", level=2, name="Café crème in Lyon")).to_be_visible()

    page.reload()  # the query is still there, and so are its results
    box = sidebar.get_by_role("searchbox", name="Search conversations")
    expect(box).to_have_value("cre")
    expect(results.locator(".conversation")).to_have_count(2)
    box.fill("no such title")
    expect(results.get_by_role("status")).to_contain_text("No conversation title has")
    box.press("Escape")
    expect(results).to_have_count(0)
    expect(sidebar.get_by_role("region", name="Active")).to_contain_text("Trip to Turin")


def test_the_first_reply_retitles_the_conversation_in_the_header_and_the_sidebar(
    titled_stack: Any, new_page: Callable[..., Page]
) -> None:
    """The model's title (the stub's: the message's first four words, capitalised)
    arrives after the reply, by itself, without a reload; the typed draft stays."""
    page = new_page()
    sign_in(page, titled_stack.base_url, new_user("title"))
    send(page, "packing list for a week in Lyon")
    expect(page.locator("ol.messages .message.assistant").first).to_contain_text("You said")
    page.get_by_label("Message", exact=True).fill("next question, not sent yet")
    expect(page.locator("h2.chat-title")).to_have_text("Packing List For A")
    sidebar = page.get_by_role("navigation", name="Conversations")
    expect(sidebar.locator(".conversation.selected .title")).to_have_text("Packing List For A")
    screenshot(page, "17-generated-title")
    expect(page.get_by_label("Message", exact=True)).to_have_value("next question, not sent yet")
