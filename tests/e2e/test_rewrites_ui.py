"""Regenerate a reply and edit a message in a real browser: the new version
replaces the old on screen, the pager shows the old one, and nothing typed is lost."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import box, new_user, screenshot, send, sign_in

END = "There was no earlier message from you."  # how the stub's first reply ends


def stored_reply(page: Page) -> Locator:
    """The last reply once it is whole and stored: the stub's reply ends with END, and
    nothing is being sent or written any more."""
    reply = page.locator("ol.messages .message.assistant[data-seq]").last
    expect(reply).to_contain_text(END)
    for busy in (".typing", "[data-live]"):
        expect(page.locator(f"ol.messages {busy}")).to_have_count(0)
    expect(page.get_by_role("button", name="Stop")).to_have_count(0)
    return reply


def editing_an_answered_message(
    stack: Any, new_page: Callable[..., Page], user: str, text: str
) -> tuple[Page, Locator, str]:
    """A new user's message, answered, with its editor open: the page, the message, and
    the text of the reply it got."""
    page = new_page()
    sign_in(page, stack.base_url, new_user(user))
    send(page, text)
    old_reply = stored_reply(page).locator(".markdown").inner_text()
    question = page.locator("ol.messages .message.user").last
    question.get_by_role("button", name="Edit", exact=True).click()
    return page, question, old_reply


def test_regenerate_a_reply_and_page_back_to_the_old_one(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    sign_in(page, stack.base_url, new_user("regen"))
    # [stub:vary]: the stub answers the same history differently the second time.
    send(page, f"Suggest a name for a cat ({uuid.uuid4().hex[:6]}) [stub:vary]")
    first = stored_reply(page)
    expect(first).to_contain_text("Suggest a name for a cat")
    old_text = first.locator(".markdown").inner_text()
    box(page).fill("a draft I have not sent")

    first.get_by_role("button", name="Regenerate reply").click()
    reply = stored_reply(page)
    expect(reply).to_contain_text("Take 2:")
    pager = reply.get_by_role("group", name="Versions of this reply")
    expect(pager).to_contain_text("2 / 2")
    expect(page.locator("ol.messages .message.assistant")).to_have_count(1)  # replaced

    pager.get_by_role("button", name="Previous version of this reply").click()
    expect(pager).to_contain_text("1 / 2")
    expect(reply.locator(".markdown")).to_have_text(old_text)
    screenshot(page, "18-regenerate")
    pager.get_by_role("button", name="Next version of this reply").click()
    expect(reply).to_contain_text("Take 2:")

    # Stored: after a reload the new reply is the current one, the old one a version.
    page.reload()
    reply = stored_reply(page)
    expect(reply).to_contain_text("Take 2:")
    expect(reply.get_by_role("group", name="Versions of this reply")).to_contain_text("2 / 2")
    expect(box(page)).to_have_value("a draft I have not sent")
    expect(page.get_by_role("alert")).to_have_count(0)


def test_edit_the_last_message_and_resend_it_keeping_the_old_exchange(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page, question, old_reply = editing_an_answered_message(
        stack, new_page, "edit", "What is 2 + 2?"
    )
    editor = page.get_by_label("Edit your message")
    expect(editor).to_have_value("What is 2 + 2?")
    editor.fill("What is 3 + 3?")

    # What the user typed in the editor survives a reload.
    page.reload()
    editor = page.get_by_label("Edit your message")
    expect(editor).to_have_value("What is 3 + 3?")
    editor.press("Enter")

    reply = stored_reply(page)
    expect(reply).to_contain_text("What is 3 + 3?")
    question = page.locator("ol.messages .message.user").last
    expect(question).to_contain_text("What is 3 + 3?")
    expect(page.locator("ol.messages .message")).to_have_count(2)  # edited, not added
    pager = question.get_by_role("group", name="Versions of this message")
    expect(pager).to_contain_text("2 / 2")
    pager.get_by_role("button", name="Previous version of this message").click()
    expect(question).to_contain_text("What is 2 + 2?")
    expect(question.locator(".version-reply")).to_contain_text(old_reply[:40])
    # The old question shows the reply it had; the new question's reply steps aside.
    replies = page.locator("ol.messages .message.assistant")
    expect(replies).to_have_count(0)
    screenshot(page, "18-edit-and-resend")
    pager.get_by_role("button", name="Next version of this message").click()
    expect(replies).to_have_count(1)
    expect(replies.last).to_contain_text("What is 3 + 3?")
    expect(page.get_by_label("Edit your message")).to_have_count(0)
    expect(page.get_by_role("alert")).to_have_count(0)


def test_paging_back_while_the_new_reply_streams_hides_it_until_paging_forward(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page, question, old_reply = editing_an_answered_message(
        stack, new_page, "edit-live", "Name a colour"
    )
    page.get_by_label("Edit your message").fill("Name a fruit [stub:rate=4] [stub:words=200]")
    page.get_by_label("Edit your message").press("Enter")

    live = page.locator("ol.messages [data-live]")
    expect(live).to_contain_text("Name a fruit")  # the new reply is being written
    question.get_by_role("button", name="Previous version of this message").click()
    expect(question.locator(".version-reply")).to_contain_text(old_reply[:40])
    expect(live).to_have_count(0)  # it answers the text no longer on screen
    question.get_by_role("button", name="Next version of this message").click()
    expect(live).to_contain_text("Name a fruit")
    page.get_by_role("button", name="Stop").click()
    expect(page.locator("ol.messages .message.assistant[data-seq]")).to_contain_text("Name a fruit")
