"""Streamed replies in the browser: text as it is written, Stop, rejoin, and nothing lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import box, new_user, screenshot, send, sign_in
from tests.support.api_client import ApiClient
from tests.support.direct_turn import stack_client

LONG = "[stub:words=120] [stub:rate=15]"  # about 8 s of streaming


def user() -> str:
    return new_user("live")


def live_text(page: Page) -> str:
    return str(page.locator(".message.live").inner_text())


def test_the_reply_appears_as_it_is_written(stack: Any, new_page: Callable[..., Page]) -> None:
    page = new_page()
    sign_in(page, stack.base_url, user())
    send(page, f"Tell me a long story {LONG}")
    live = page.locator(".message.live")
    expect(live).to_contain_text("word5", timeout=10_000)
    partial = live_text(page)
    assert "word120" not in partial, "the whole reply was not shown at once"
    expect(page.get_by_role("button", name="Stop generating")).to_be_visible()
    screenshot(page, "10-streaming")
    expect(page.locator(".message.assistant[data-seq]")).to_contain_text("word120", timeout=20_000)
    expect(live).to_have_count(0)
    expect(page.get_by_role("button", name="Send")).to_be_visible()


def test_stop_keeps_what_was_written_and_frees_the_conversation(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    sign_in(page, stack.base_url, user())
    send(page, f"Go on forever {LONG}")
    expect(page.locator(".message.live")).to_contain_text("word3", timeout=10_000)
    page.get_by_role("button", name="Stop generating").click()
    stopped = page.locator('.message.assistant[data-status="stopped"]')
    expect(stopped).to_contain_text("Stopped.")
    assert "word120" not in stopped.inner_text()
    screenshot(page, "11-stopped")
    send(page, "Thanks, that was enough")
    expect(page.locator(".message.assistant[data-seq]")).to_have_count(2, timeout=10_000)
    expect(page.get_by_role("alert")).to_have_count(0)


def test_a_reload_mid_reply_rejoins_it(stack: Any, new_page: Callable[..., Page]) -> None:
    page = new_page()
    sign_in(page, stack.base_url, user())
    send(page, f"Explain everything {LONG}")
    expect(page.locator(".message.live")).to_contain_text("word10", timeout=10_000)
    page.wait_for_url("**/?c=*")
    page.reload()
    live = page.locator(".message.live")
    expect(live).to_contain_text("word1 ", timeout=10_000)  # the text so far, at once
    before = live_text(page)
    expect(live).not_to_have_text(before, timeout=5_000)  # and then it goes on growing
    screenshot(page, "12-rejoined")
    final = page.locator(".message.assistant[data-seq]")
    expect(final).to_contain_text("word120", timeout=20_000)
    expect(page.locator(".message.user")).to_have_count(1)


def test_a_dropped_connection_rejoins_the_reply(stack: Any, new_page: Callable[..., Page]) -> None:
    name = user()
    page = new_page()
    sign_in(page, stack.base_url, name)
    send(page, f"Keep talking {LONG}")
    expect(page.locator(".message.live")).to_contain_text("word5", timeout=10_000)
    # The network drops: API Gateway closes the socket (its management API's DELETE).
    table = stack.table_names["ChatTable"]
    dynamodb = stack_client(stack)
    items = dynamodb.query(
        TableName=table,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
        ExpressionAttributeValues={":pk": {"S": f"USER#{name}"}, ":prefix": {"S": "LIVE#CONN#"}},
    )["Items"]
    assert len(items) == 1
    connection_id = items[0]["SK"]["S"].removeprefix("LIVE#CONN#")
    management = ApiClient(stack.base_url)
    assert management.delete(f"/local/ws-management/@connections/{connection_id}").status == 204
    final = page.locator(".message.assistant[data-seq]")
    expect(final).to_contain_text("word120", timeout=25_000)
    content = final.inner_text()
    assert content.count("word60 ") == 1, "no piece of the reply was shown twice"


def test_a_draft_typed_while_a_reply_streams_survives_it(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    sign_in(page, stack.base_url, user())
    send(page, "First question [stub:delay=1] [stub:words=20] [stub:rate=15]")
    expect(box(page)).to_have_value("")  # the box clears when the message is sent
    box(page).type("my next question, typed while you answer")
    expect(page.locator(".message.assistant[data-seq]")).to_contain_text("word20", timeout=15_000)
    expect(box(page)).to_have_value("my next question, typed while you answer")
    screenshot(page, "13-draft-survives")
    box(page).press("Enter")
    expect(page.locator(".message.user").nth(1)).to_contain_text("my next question")
    expect(box(page)).to_have_value("")


def test_a_reload_before_the_first_reply_keeps_the_new_conversation(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    sign_in(page, stack.base_url, user())
    send(page, "Brand new topic [stub:delay=3]")
    page.wait_for_url("**/?c=*", timeout=5_000)  # known as soon as the message is stored
    conversation_id = page.url.split("?c=")[1]
    page.reload()
    expect(page.locator(".message.user")).to_contain_text("Brand new topic")
    expect(page.locator(".message.assistant[data-seq]")).to_contain_text(
        "Brand new topic", timeout=15_000
    )
    send(page, "and a follow-up")
    expect(page.locator(".message.assistant[data-seq]").nth(1)).to_contain_text(
        'Before that you said: "Brand new topic'
    )
    assert page.url.endswith(conversation_id)


def test_switching_conversations_mid_reply_keeps_each_reply_in_its_own(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    sign_in(page, stack.base_url, user())
    send(page, "Conversation A [stub:words=3]")
    expect(page.locator(".message.assistant[data-seq]")).to_have_count(1)
    first_url = page.url
    page.get_by_role("button", name="+ New chat").click()
    send(page, f"Conversation B {LONG}")
    expect(page.locator(".message.live")).to_contain_text("word2", timeout=10_000)
    page.goto(first_url)  # back to A while B streams
    expect(page.locator(".message.user")).to_have_count(1)
    expect(page.locator(".message.user")).to_contain_text("Conversation A")
    page.wait_for_timeout(1500)  # B keeps streaming meanwhile
    expect(page.locator(".message.live")).to_have_count(0)
    assert "Conversation B" not in page.locator("ol.messages").inner_text()
    screenshot(page, "14-other-conversation-untouched")
    page.go_back()
    expect(page.locator(".message.user")).to_contain_text("Conversation B")
    expect(page.locator(".message.assistant[data-seq]")).to_contain_text("word120", timeout=20_000)
