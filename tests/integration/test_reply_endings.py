"""How a reply ended, through the local gateway against the stub model (which keeps
the default reasoning model's parameter rules): the model's length limit and Continue,
the content filter, split surrogates, reasoning, and a model that refuses the request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.support.api_client import ApiClient
from tests.support.live_client import LiveClient

# The concise agent's limit with the default model: 256 answer tokens plus 2,048 to
# think; the stub streams one token per word.
PAST_THE_LIMIT = "[stub:words=2400] [stub:rate=5000]"


def continue_reply(api: ApiClient, conversation_id: str, **body: Any) -> Any:
    return api.post(f"/v1/conversations/{conversation_id}/continue", body)


def test_a_reply_at_its_length_limit_is_marked_and_continue_appends_to_it(
    alice: ApiClient, live: Callable[[], LiveClient]
) -> None:
    turn = alice.chat(f"All of it {PAST_THE_LIMIT}", agent_type="concise")
    assert turn.status == 201, turn.body
    cut = turn.body["reply"]
    assert (cut["status"], cut["finish_reason"]) == ("incomplete", "length")
    assert turn.body["usage"]["completion_tokens"] == 256 + 2048
    conversation_id = turn.body["conversation_id"]

    socket = live()
    accepted = continue_reply(alice, conversation_id, stream=True)
    assert accepted.status == 202, accepted.body
    completed = socket.end_of(conversation_id)
    reply = completed["reply"]
    assert reply["content"].startswith(cut["content"])
    assert "Your previous answer was cut short" in reply["content"][len(cut["content"]) :]
    assert (reply["status"], reply["finish_reason"], reply["seq"], reply["version"]) == (
        "ok",
        "stop",
        2,
        2,
    )
    assert socket.text_of(accepted.body["turn_id"]) == reply["content"]
    earlier = alice.get(f"/v1/conversations/{conversation_id}/messages/2/versions/1").body
    assert earlier["message"]["content"] == cut["content"]

    again = continue_reply(alice, conversation_id)
    assert (again.status, again.error_code()) == (409, "nothing_to_continue")


def test_the_content_filter_ends_a_reply_as_such(alice: ApiClient) -> None:
    turn = alice.chat("Something risky [stub:filter]")
    assert turn.status == 201, turn.body
    reply = turn.body["reply"]
    assert (reply["status"], reply["finish_reason"]) == ("incomplete", "content_filter")
    assert len(reply["content"].split()) == 3


def test_an_emoji_in_two_halves_is_stored_whole(alice: ApiClient) -> None:
    turn = alice.chat("Smile [stub:split-emoji]")
    assert turn.status == 201, turn.body
    assert turn.body["reply"]["content"].endswith(" \U0001f600")
    assert turn.body["reply"]["status"] == "ok"


def test_reasoning_is_stored_with_the_reply_and_exported_only_when_asked(
    alice: ApiClient,
) -> None:
    turn = alice.chat("Ponder [stub:think=5]")
    assert turn.status == 201, turn.body
    reply = turn.body["reply"]
    assert reply["reasoning"] == "thought1 thought2 thought3 thought4 thought5 "
    assert turn.body["usage"]["reasoning_tokens"] == 5
    conversation_id = turn.body["conversation_id"]
    plain = alice.get(f"/v1/conversations/{conversation_id}/export?format=json").body
    assert plain["messages"][-1]["reasoning"] is None
    markdown = alice.get(f"/v1/conversations/{conversation_id}/export").body["markdown"]
    assert "thought1" not in markdown
    asked = alice.get(f"/v1/conversations/{conversation_id}/export?include_reasoning=true").body
    assert "> **Thinking**" in asked["markdown"] and "thought5" in asked["markdown"]


def test_a_model_that_refuses_the_request_keeps_the_message_and_says_why(
    alice: ApiClient, live: Callable[[], LiveClient]
) -> None:
    socket = live()
    answer = alice.chat("Refused [stub:status=400]", stream=True)
    failed = socket.end_of(answer.body["conversation_id"])
    assert failed["type"] == "turn.failed"
    assert failed["error"]["code"] == "agent_misconfigured"
    plain = alice.chat("Refused again [stub:status=404]")
    assert (plain.status, plain.error_code()) == (502, "agent_misconfigured")
    assert "retry-after" not in {name.lower() for name in plain.headers}
    messages = alice.get(f"/v1/conversations/{plain.body['conversation_id']}").body["messages"]
    assert [m["status"] for m in messages] == ["failed"]
