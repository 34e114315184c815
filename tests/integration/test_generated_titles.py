"""Generated titles through the local stack: the turn answers with the title
cut from the message at once; the title worker (invoked asynchronously by the turn
worker, through the local Lambda API) then writes the stub model's title, unless the
user chose one."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from benchmarks.streaming import STUB_DELAY_SECONDS, first_text_overhead
from local.testing import running_stack
from tests.integration.conftest import STACK_ENV
from tests.support.api_client import ApiClient


@pytest.fixture(scope="module")
def titled_stack() -> Iterator[Any]:
    """The shared stack turns generated titles off (conftest.py); this one, as `make
    dev`, has them on."""
    with running_stack(env=STACK_ENV) as running:
        yield running


@pytest.fixture
def alice(titled_stack: Any) -> ApiClient:
    return ApiClient(titled_stack.base_url, titled_stack.token(f"titles-{uuid.uuid4().hex[:8]}"))


def title_after(client: ApiClient, conversation_id: str, changed_from: str) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        title = str(client.get(f"/v1/conversations/{conversation_id}").body["title"])
        if title != changed_from:
            return title
        time.sleep(0.2)
    return changed_from


def test_the_first_reply_brings_a_generated_title_and_a_user_s_title_stays(
    alice: ApiClient,
) -> None:
    first = alice.chat("packing list for Lyon and Turin, please")
    assert first.status == 201 and first.body["title"] == "packing list for Lyon and Turin, please"
    conversation_id = first.body["conversation_id"]
    generated = title_after(alice, conversation_id, first.body["title"])
    assert generated == "Packing List For Lyon"  # the stub's deterministic title
    assert alice.get("/v1/search/conversations?q=packing").body["items"][0]["title"] == generated

    named = alice.post("/v1/conversations", {"title": "My own title"}).body["id"]
    assert alice.chat("something else entirely", named).status == 200
    renamed = alice.chat("budget review for March").body["conversation_id"]
    alice.patch(f"/v1/conversations/{renamed}", {"title": "Chosen by me"})
    time.sleep(2)  # time enough for a title worker to have run, had it been asked
    assert alice.get(f"/v1/conversations/{named}").body["title"] == "My own title"
    assert alice.get(f"/v1/conversations/{renamed}").body["title"] == "Chosen by me"


def test_the_shared_stack_keeps_titles_as_cut_from_the_first_message(
    client_for: Any,
) -> None:
    """The other tests' stack has generated titles off (and says so by behaving so)."""
    other = client_for(f"untitled-{uuid.uuid4().hex[:8]}")
    first = other.chat("packing list for Lyon and Turin, please")
    time.sleep(1)
    assert other.get(f"/v1/conversations/{first.body['conversation_id']}").body["title"] == (
        "packing list for Lyon and Turin, please"
    )


def test_the_streaming_benchmark_measures_each_reply_s_own_model_call(titled_stack: Any) -> None:
    """Each sample starts a conversation whose first reply is titled: the title's model
    call comes between two replies', and must never be taken for the next reply's."""
    measured = first_text_overhead(titled_stack, samples=3)
    delay_ms = STUB_DELAY_SECONDS * 1000
    assert delay_ms <= measured["model_ttft_ms_median"] <= delay_ms + 25, measured
