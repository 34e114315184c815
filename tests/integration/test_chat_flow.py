"""User stories 1 and 2 through the local gateway on DynamoDB Local: new chat, resume."""

from __future__ import annotations

from tests.support.api_client import ApiClient

UUID_LEN = 36


def test_a_new_chat_then_resuming_it_with_history(alice: ApiClient) -> None:
    first = alice.chat("My favourite colour is teal.")
    assert first.status == 201, first.body
    conversation_id = first.body["conversation_id"]
    assert len(conversation_id) == UUID_LEN and conversation_id == conversation_id.lower()
    assert first.body["title"] == "My favourite colour is teal."
    assert (first.body["user_message"]["seq"], first.body["reply"]["seq"]) == (1, 2)
    assert "teal" in first.body["reply"]["content"]
    usage = first.body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0

    second = alice.chat("What is my favourite colour?", conversation_id)
    assert second.status == 200, second.body
    assert (second.body["user_message"]["seq"], second.body["reply"]["seq"]) == (3, 4)
    # The stub model quotes the previous user message: the history reached the model.
    assert "What is my favourite colour?" in second.body["reply"]["content"]
    assert "My favourite colour is teal." in second.body["reply"]["content"]


def test_a_conversation_can_be_read_without_its_messages(alice: ApiClient) -> None:
    """?messages=0 reads the conversation alone (DynamoDB refuses a Query with Limit 0,
    so no Query is made; moto would accept one, hence this runs on DynamoDB Local)."""
    conversation_id = alice.chat("hello").body["conversation_id"]
    alone = alice.get(f"/v1/conversations/{conversation_id}?messages=0")
    assert alone.status == 200, alone.body
    assert alone.body["messages"] == [] and alone.body["message_count"] == 2


def test_every_message_is_stored_with_contiguous_seq_and_read_back(alice: ApiClient) -> None:
    conversation_id = alice.chat("message 1").body["conversation_id"]
    for i in range(2, 6):
        assert alice.chat(f"message {i}", conversation_id).status == 200

    whole = alice.get(f"/v1/conversations/{conversation_id}")
    assert whole.status == 200
    assert whole.body["message_count"] == 10
    assert [m["seq"] for m in whole.body["messages"]] == list(range(1, 11))
    assert [m["role"] for m in whole.body["messages"][:2]] == ["user", "assistant"]
    assert all(m["conversation_id"] == conversation_id for m in whole.body["messages"])
    assert all(
        m["created_at"].endswith("Z") and len(m["created_at"]) == 24 for m in whole.body["messages"]
    )

    latest_three = alice.get(f"/v1/conversations/{conversation_id}?messages=3")
    assert [m["seq"] for m in latest_three.body["messages"]] == [8, 9, 10]

    for order, expected in (("asc", list(range(1, 11))), ("desc", list(range(10, 0, -1)))):
        seen, cursor, pages = [], None, 0
        while True:
            query = f"?limit=3&order={order}" + (f"&cursor={cursor}" if cursor else "")
            page = alice.get(f"/v1/conversations/{conversation_id}/messages{query}")
            assert page.status == 200, page.body
            seen += [m["seq"] for m in page.body["items"]]
            pages += 1
            cursor = page.body["next_cursor"]
            if cursor is None:
                break
        assert seen == expected
        assert pages == 4


def test_agents_are_listed_and_chosen_for_a_new_conversation(alice: ApiClient) -> None:
    agents = alice.get("/v1/agents")
    assert agents.status == 200
    names = [a["name"] for a in agents.body["items"]]
    assert sum(a["default"] for a in agents.body["items"]) == 1
    chosen = alice.chat("write a haiku", agent_type=names[-1])
    assert chosen.status == 201
    assert chosen.body["agent_type"] == names[-1]


def test_bad_input_gets_the_contract_error_never_a_500(alice: ApiClient) -> None:
    cases = [
        (alice.request("POST", "/v1/chat", raw_body=b"{oops"), 400, "invalid_request"),
        (alice.post("/v1/chat", {}), 400, "invalid_request"),
        (alice.post("/v1/chat", {"message": "   "}), 400, "invalid_request"),
        (alice.post("/v1/chat", {"message": "hi", "extra": True}), 400, "invalid_request"),
        (
            alice.post("/v1/chat", {"message": "hi", "conversation_id": "123"}),
            400,
            "invalid_request",
        ),
        (
            alice.post("/v1/chat", {"message": "hi", "agent_type": "nope"}),
            400,
            "unknown_agent_type",
        ),
        (alice.post("/v1/chat", {"message": "x" * 16_001}), 413, "message_too_long"),
        (alice.chat("hi", "00000000-0000-4000-8000-000000000000"), 404, "not_found"),
        (alice.get("/v1/conversations/not-a-uuid"), 400, "invalid_request"),
        (alice.get("/v1/conversations/00000000-0000-4000-8000-000000000000"), 404, "not_found"),
        (
            alice.get("/v1/conversations/00000000-0000-4000-8000-000000000000/messages?limit=0"),
            400,
            "invalid_request",
        ),
        (
            alice.get("/v1/conversations/00000000-0000-4000-8000-000000000000/messages?cursor=abc"),
            400,
            "invalid_cursor",
        ),
    ]
    for response, status, code in cases:
        assert response.status == status, response.body
        assert response.error_code() == code
        assert response.body["error"]["request_id"]
        assert response.body["error"]["message"]


def test_a_message_of_exactly_the_limit_is_accepted(alice: ApiClient) -> None:
    response = alice.chat("y" * 16_000)
    assert response.status == 201
    assert len(response.body["user_message"]["content"]) == 16_000


def test_health_needs_no_token(stack: object) -> None:
    response = ApiClient(stack.base_url).get("/v1/health")  # type: ignore[attr-defined]
    assert (response.status, response.body) == (200, {"status": "ok"})
