"""The chat UI as people know it from ChatGPT and Claude: reading, typing, the
state a user must be told, the phone drawer, and an automated accessibility check.

Desktop is 1280x800, phone 390x844. The stub model's ``[stub:echo]`` replies with the
message itself, so a test can put any Markdown in a reply.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from local.template import ROOT
from tests.e2e.conftest import box, new_user, screenshot, send, sign_in
from tests.support.api_client import ApiClient

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"


def user() -> str:
    return new_user("ui19")


def replies(page: Page) -> Any:
    return page.locator("ol.messages .message.assistant:not(.live):not(.typing)")


def signed_in(new_page: Callable[..., Page], stack: Any, **options: Any) -> Page:
    page = new_page(**options)
    sign_in(page, stack.base_url, user())
    return page


def signed_in_with_api(new_page: Callable[..., Page], stack: Any) -> tuple[Page, ApiClient]:
    """A desktop page signed in, and the same user's API client (to set things up fast)."""
    name = user()
    page = new_page(viewport=DESKTOP)
    sign_in(page, stack.base_url, name)
    return page, ApiClient(stack.base_url, stack.token(name))


def page_scrolls(page: Page) -> dict[str, int]:
    scrolls: dict[str, int] = page.evaluate(
        """() => ({
          pageHeight: document.scrollingElement.scrollHeight,
          viewport: window.innerHeight,
          listOverflowX: (() => { const l = document.querySelector('ol.messages');
                                  return l.scrollWidth - l.clientWidth; })(),
        })"""
    )
    return scrolls


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_long_words_wrap_inside_the_bubble_and_only_the_message_list_scrolls(
    stack: Any, new_page: Callable[..., Page], viewport: dict[str, int]
) -> None:
    page = signed_in(new_page, stack, viewport=viewport)
    word = "Supercalifragilistic" * 15
    url = "https://example.com/" + "a-very-long-path-segment/" * 12
    send(page, f"{word} {url} [stub:echo]")
    expect(replies(page)).to_have_count(1)
    send(page, "a long answer [stub:words=400]")
    expect(replies(page)).to_have_count(2)
    sizes = page_scrolls(page)
    assert sizes["listOverflowX"] <= 0, sizes  # nothing is cut at the window's edge
    assert sizes["pageHeight"] <= sizes["viewport"], sizes  # the app never scrolls away
    page.mouse.move(viewport["width"] - 50, 30)  # over the header
    page.mouse.wheel(0, 2000)
    assert page.evaluate("window.scrollY") == 0
    screenshot(page, f"19-long-words-{'phone' if viewport is PHONE else 'desktop'}")


def test_reading_back_is_not_interrupted_by_a_reply_and_jump_to_latest_returns(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = signed_in(new_page, stack, viewport=DESKTOP)
    send(page, "fill the screen [stub:words=300]")
    expect(replies(page)).to_have_count(1)
    send(page, "a slow reply [stub:words=300] [stub:rate=40]")
    expect(page.locator("[data-live=true]")).to_contain_text("slow reply")
    messages = page.locator("ol.messages")
    messages.evaluate("list => { list.scrollTop = 0; list.dispatchEvent(new Event('scroll')); }")
    page.wait_for_timeout(1500)  # the reply keeps streaming meanwhile
    assert messages.evaluate("list => list.scrollTop") < 50, "I was not pulled down"
    jump = page.get_by_role("button", name="Jump to latest")
    expect(jump).to_be_visible()
    screenshot(page, "19-jump-to-latest")
    jump.click()
    at_bottom = "l => l.scrollHeight - l.scrollTop - l.clientHeight < 30"
    assert messages.evaluate(at_bottom)
    expect(replies(page)).to_have_count(2, timeout=30_000)


def test_tables_are_ruled_and_code_and_messages_can_be_copied(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = signed_in(new_page, stack, viewport=DESKTOP)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    send(
        page,
        "| Name | Size |\n|---|---|\n| alpha | 1 |\n| beta | 2 |\n\n"
        "```\nprint('hello')\n```\n[stub:echo]",
    )
    reply = replies(page).first
    expect(reply.locator("table")).to_be_visible()
    cell = reply.locator("td").first
    assert cell.evaluate("c => parseFloat(getComputedStyle(c).borderTopWidth)") >= 1
    assert cell.evaluate("c => parseFloat(getComputedStyle(c).paddingLeft)") >= 4
    reply.get_by_role("button", name="Copy code").click()
    expect(reply.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == "print('hello')\n"
    reply.get_by_role("button", name="Copy message").click()
    assert "| alpha | 1 |" in page.evaluate("navigator.clipboard.readText()")
    screenshot(page, "19-table-and-copy")


def test_a_long_message_is_folded_and_messages_show_when_they_were_sent(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = signed_in(new_page, stack, viewport=DESKTOP)
    send(page, "\n".join(f"line {n}" for n in range(60)))
    expect(replies(page)).to_have_count(1)
    mine = page.locator("ol.messages .message.user").first
    more = mine.get_by_role("button", name="Show more")
    expect(more).to_be_visible()
    folded = mine.locator("p.plain").evaluate("p => p.clientHeight")
    more.click()
    assert mine.locator("p.plain").evaluate("p => p.clientHeight") > folded
    expect(mine.get_by_role("button", name="Show less")).to_be_visible()
    stamp = mine.locator("time")
    expect(stamp).to_have_text(re.compile(r"^\d{1,2}:\d{2}( ?[AP]M)?$"))  # today: the time
    assert stamp.get_attribute("datetime")
    expect(page).to_have_title(re.compile(r"^line 0 line 1 .* · Chat$"))  # the tab says which chat


def test_the_sidebar_groups_by_day_and_counts_in_plain_words(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = signed_in(new_page, stack, viewport=DESKTOP)
    send(page, "first chat")
    expect(replies(page)).to_have_count(1)
    sidebar = page.get_by_role("navigation", name="Conversations")
    expect(sidebar.get_by_role("heading", name="Today")).to_be_visible()
    expect(sidebar.locator(".conversation .meta").first).to_contain_text("2 messages")
    page.get_by_role("button", name="+ New chat").click()
    send(page, "the model fails [stub:status=500]")
    expect(page.get_by_text("Not answered.")).to_be_visible()
    expect(sidebar.locator(".conversation .meta").first).to_contain_text("1 message ·")
    screenshot(page, "19-sidebar-groups")


def test_an_over_long_message_is_refused_with_the_reason_never_cut(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = signed_in(new_page, stack, viewport=DESKTOP)
    text = "x" * 16_001
    box(page).fill(text)
    counter = page.locator("#message-counter")
    expect(counter).to_contain_text("1 characters over the limit of 16,000")
    send_button = page.get_by_role("button", name="Send")
    expect(send_button).to_be_disabled()
    box(page).press("Enter")
    page.wait_for_timeout(500)
    expect(page.locator("ol.messages .message")).to_have_count(0)  # nothing was sent
    assert len(box(page).input_value()) == 16_001  # and nothing was cut
    box(page).press("Backspace")
    expect(counter).to_contain_text("16,000 / 16,000")
    expect(send_button).to_be_enabled()
    screenshot(page, "19-over-the-limit")


def test_the_composer_grows_with_the_text_up_to_a_limit(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = signed_in(new_page, stack, viewport=DESKTOP)
    one_line = box(page).evaluate("b => b.clientHeight")
    box(page).fill("\n".join(["line"] * 6))
    six_lines = box(page).evaluate("b => b.clientHeight")
    assert six_lines > one_line * 2
    box(page).fill("\n".join(["line"] * 200))
    assert box(page).evaluate("b => b.clientHeight") <= DESKTOP["height"] * 0.4 + 2


def test_drafts_stay_with_their_conversation_across_switches_and_reloads(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = signed_in(new_page, stack, viewport=DESKTOP)
    send(page, "conversation one")
    expect(replies(page)).to_have_count(1)
    first_url = page.url
    box(page).fill("half-written thought for one")
    page.get_by_role("button", name="+ New chat").click()
    expect(box(page)).to_have_value("")  # it did not follow me
    box(page).fill("an idea for a new chat")
    page.goto(first_url)
    expect(box(page)).to_have_value("half-written thought for one")
    page.reload()
    expect(box(page)).to_have_value("half-written thought for one")
    page.get_by_role("button", name="+ New chat").click()
    expect(box(page)).to_have_value("an idea for a new chat")


def test_renaming_the_open_conversation_renames_its_header(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = signed_in(new_page, stack, viewport=DESKTOP)
    send(page, "name me")
    expect(replies(page)).to_have_count(1)
    header = page.locator(".chat-title")
    expect(header).to_have_text("name me")
    page.get_by_role("button", name="Rename name me").click()
    page.get_by_label("New title").fill("Trip plans")
    page.get_by_label("New title").press("Enter")
    expect(header).to_have_text("Trip plans")
    expect(page).to_have_title("Trip plans · Chat")


def test_offline_is_said_in_plain_words_and_the_message_is_kept(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = signed_in(new_page, stack, viewport=DESKTOP)
    page.context.set_offline(True)
    send(page, "sent while offline")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("You're offline")
    expect(alert).not_to_contain_text("Failed to fetch")
    expect(box(page)).to_have_value("sent while offline")  # nothing is lost
    screenshot(page, "19-offline")
    page.context.set_offline(False)
    box(page).press("Enter")
    expect(replies(page)).to_have_count(1)


def test_too_fast_counts_down_and_send_waits_for_it(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = signed_in(new_page, stack, viewport=DESKTOP)
    refused = {"count": 0}

    def too_fast(route: Any) -> None:
        refused["count"] += 1
        route.fulfill(
            status=429,
            headers={"Retry-After": "3", "Content-Type": "application/json"},
            body=json.dumps({"error": {"code": "rate_limited", "message": "slow down"}}),
        )

    page.route("**/v1/chat", too_fast)
    send(page, "one too many")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Try again in 3 s")
    expect(page.get_by_role("button", name="Wait 3 s")).to_be_disabled()
    expect(alert).to_contain_text("Try again in 1 s", timeout=4000)  # it counts down
    page.unroute("**/v1/chat")
    send_button = page.get_by_role("button", name="Send")
    expect(send_button).to_be_enabled(timeout=4000)
    expect(page.get_by_role("alert")).to_have_count(0)
    assert refused["count"] == 1
    send_button.click()
    expect(replies(page)).to_have_count(1)


def test_the_phone_drawer_is_inert_when_closed_and_closes_like_a_drawer(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = signed_in(new_page, stack, viewport=PHONE)
    new_chat = page.get_by_role("button", name="+ New chat")
    for _ in range(12):  # Tab through the page: never into the closed drawer
        page.keyboard.press("Tab")
        assert not new_chat.evaluate("b => b === document.activeElement")
    menu = page.get_by_role("button", name="Show conversations")
    menu.click()
    expect(new_chat).to_be_focused()
    screenshot(page, "19-phone-drawer")
    page.keyboard.press("Escape")
    expect(page.locator("nav.sidebar.open")).to_have_count(0)
    expect(menu).to_be_focused()
    menu.click()
    page.mouse.click(PHONE["width"] - 20, PHONE["height"] // 2)  # a tap outside it
    expect(page.locator("nav.sidebar.open")).to_have_count(0)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("desktop-light", {"viewport": DESKTOP}),
        ("desktop-dark", {"viewport": DESKTOP, "color_scheme": "dark"}),
        ("phone-drawer", {"viewport": PHONE}),
    ],
)
def test_no_serious_accessibility_violations(
    stack: Any, new_page: Callable[..., Page], name: str, options: dict[str, Any]
) -> None:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` in web/ (make test does)")
    # bypass_csp: only so that axe itself can be injected (the page allows no inline script)
    page = signed_in(new_page, stack, bypass_csp=True, **options)
    send(page, "| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n```\n[stub:echo]")
    expect(replies(page)).to_have_count(1)
    if name == "phone-drawer":
        page.get_by_role("button", name="Show conversations").click()
    page.wait_for_timeout(300)  # transitions settle (contrast is measured as painted)
    assert axe_violations(page) == []
    screenshot(page, f"19-axe-{name}")


def test_the_cap_says_what_it_archived_and_archive_and_unarchive_are_one_click(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page, api = signed_in_with_api(new_page, stack)
    assert api.chat("Trip plans").status == 201  # the least recently active, soon
    for number in range(4):
        assert api.chat(f"chat {number}").status == 201
    page.reload()
    sidebar = page.get_by_role("navigation", name="Conversations")
    active = sidebar.get_by_role("region", name="Active")
    archived = sidebar.get_by_role("region", name="Archived")
    expect(active.locator(".conversation")).to_have_count(5)
    send(page, "the sixth")  # over the cap of 5: "Trip plans" goes
    expect(replies(page)).to_have_count(1)
    notice = page.locator(".cap-notice")
    expect(notice).to_contain_text('"Trip plans" was archived')
    screenshot(page, "19-cap-notice")
    expect(archived.get_by_text("Trip plans")).to_be_visible()
    archived.get_by_role("button", name="Unarchive Trip plans").click()
    expect(active.get_by_text("Trip plans")).to_be_visible()
    expect(active.locator(".conversation")).to_have_count(5)  # the cap held: another went
    expect(archived.locator(".conversation")).to_have_count(1)
    active.get_by_role("button", name="Archive Trip plans").click()
    expect(archived.get_by_text("Trip plans")).to_be_visible()
    expect(notice).to_have_count(1)  # my own archiving is not announced as the cap's
    page.get_by_role("button", name="Dismiss notice").click()
    expect(notice).to_have_count(0)
    stats = api.get("/v1/stats").body
    assert stats["conversations"] == {"active": 4, "archived": 2, "by_agent_type": {"general": 6}}


def test_rename_and_delete_by_keyboard_keep_focus_and_escape_cancels(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = signed_in(new_page, stack, viewport=DESKTOP)
    send(page, "keyboard only")
    expect(replies(page)).to_have_count(1)
    rename = page.get_by_role("button", name="Rename keyboard only")
    rename.focus()
    page.keyboard.press("Enter")
    page.get_by_label("New title").fill("Renamed by keyboard")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Rename Renamed by keyboard")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Rename Renamed by keyboard")).to_be_focused()
    delete = page.get_by_role("button", name="Delete Renamed by keyboard")
    delete.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="No")).to_be_focused()  # the harmless answer
    page.keyboard.press("Escape")
    expect(delete).to_be_focused()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Yes, delete").click()
    # It was the open conversation: a new one opens, focus in its message box (never body).
    expect(box(page)).to_be_focused()


def test_the_live_region_announces_sending_and_new_replies_only(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = signed_in(new_page, stack, viewport=DESKTOP)
    region = page.locator("[aria-live=polite][role=status]").first
    send(page, "announce me [stub:delay=1]")
    expect(region).to_have_text("Sending…")
    expect(region).to_contain_text("Assistant replied")
    url = page.url
    page.get_by_role("button", name="+ New chat").click()
    page.goto(url)  # merely opening it again: nothing old is read out
    expect(replies(page)).to_have_count(1)
    expect(region).to_have_text("")
    headings = page.evaluate(
        "[...document.querySelectorAll('h1,h2,h3')].map(h => Number(h.tagName[1]))"
    )
    assert headings[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(headings))


def test_a_delete_can_be_undone_for_a_few_seconds_then_it_is_final(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page, api = signed_in_with_api(new_page, stack)
    send(page, "keep me")
    expect(replies(page)).to_have_count(1)
    conversation_id = page.url.split("?c=")[1]
    sidebar = page.get_by_role("navigation", name="Conversations")
    sidebar.get_by_role("button", name="Delete keep me").click()
    sidebar.get_by_role("button", name="Yes, delete").click()
    expect(sidebar.locator(".conversation")).to_have_count(0)
    toast = page.locator(".undo")
    expect(toast).to_contain_text("Deleted “keep me”.")
    screenshot(page, "19-undo-delete")
    toast.get_by_role("button", name="Undo").click()
    expect(sidebar.locator(".conversation")).to_have_count(1)
    page.wait_for_timeout(6500)  # past the Undo window: nothing was sent
    assert api.get(f"/v1/conversations/{conversation_id}").status == 200
    sidebar.get_by_role("button", name="Delete keep me").click()
    sidebar.get_by_role("button", name="Yes, delete").click()
    page.reload()  # inside the window: leaving the page does not cancel the delete
    expect(page.get_by_label("Message", exact=True)).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Conversations").locator(".conversation")
    ).to_have_count(0)
    for _ in range(50):
        if api.get(f"/v1/conversations/{conversation_id}").status == 404:
            break
        page.wait_for_timeout(200)
    assert api.get(f"/v1/conversations/{conversation_id}").status == 404


def test_an_open_conversation_that_fails_to_load_is_never_shown_as_a_new_one(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = signed_in(new_page, stack, viewport=DESKTOP)
    send(page, "load me later")
    expect(replies(page)).to_have_count(1)
    url = page.url
    page.route("**/v1/conversations/*?*", lambda route: route.abort())
    page.goto(url)
    expect(page.get_by_role("alert")).to_contain_text("could not be loaded")
    expect(page.locator(".chat-title")).to_have_text("Conversation unavailable")
    expect(page.get_by_label("Agent type")).to_have_count(0)  # not a new conversation
    page.unroute("**/v1/conversations/*?*")
    page.get_by_role("button", name="Retry").click()
    expect(replies(page)).to_have_count(1)
    expect(page.locator(".chat-title")).to_have_text("load me later")


def test_a_new_chat_explains_its_agents_and_how_to_start(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = signed_in(new_page, stack, viewport=DESKTOP)
    expect(page.locator("#agent-description")).not_to_be_empty()
    expect(page.locator(".status.empty")).to_contain_text("Pick an agent above")


def test_phone_touch_targets_are_big_enough_and_apart(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    page = signed_in(new_page, stack, viewport=PHONE, has_touch=True, is_mobile=True)
    send(page, "touch me")
    expect(replies(page)).to_have_count(1)
    page.get_by_role("button", name="Show conversations").click()
    buttons = page.locator(".conversation .actions button")
    expect(buttons).to_have_count(3)
    boxes = [buttons.nth(n).bounding_box() for n in range(3)]
    for found in boxes:
        assert found is not None and found["width"] >= 44 and found["height"] >= 44, boxes
    assert all(b["x"] - (a["x"] + a["width"]) >= 4 for a, b in itertools.pairwise(boxes))  # type: ignore[index]
    assert buttons.first.evaluate("b => getComputedStyle(b).opacity") == "1"  # focus ring unfaded


def test_zoomed_to_200_percent_an_error_leaves_room_for_the_messages(
    stack: Any, new_page: Callable[..., Page]
) -> None:
    """200 % zoom of a 1280x800 window: 640x400 CSS pixels."""
    page = signed_in(new_page, stack, viewport={"width": 640, "height": 400})
    send(page, "the model fails [stub:status=500]")
    expect(page.get_by_role("alert")).to_be_visible()
    height = page.locator("ol.messages").evaluate("l => l.clientHeight")
    assert height >= 0.4 * 400, height
    screenshot(page, "19-zoomed-error")
