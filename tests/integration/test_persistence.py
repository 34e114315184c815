"""`make dev` keeps data between runs: stop the stack, start it again, the conversation is there."""

from __future__ import annotations

from pathlib import Path

from local.dynamodb_local import free_port
from local.testing import running_stack
from tests.support.api_client import ApiClient


def test_conversations_and_tokens_survive_a_restart(tmp_path: Path) -> None:
    port = free_port()
    with running_stack(port=port, in_memory=False, data_dir=tmp_path) as first_run:
        token = first_run.token("persistent-pat")
        client = ApiClient(first_run.base_url, token)
        conversation_id = client.chat("remember me").body["conversation_id"]
        client.chat("and this", conversation_id)

    with running_stack(port=port, in_memory=False, data_dir=tmp_path) as second_run:
        client = ApiClient(second_run.base_url, token)  # the signing key was kept too
        stored = client.get(f"/v1/conversations/{conversation_id}")
        assert stored.status == 200, stored.body
        assert [m["content"] for m in stored.body["messages"] if m["role"] == "user"] == [
            "remember me",
            "and this",
        ]
        resumed = client.chat("still here?", conversation_id)
        assert resumed.body["user_message"]["seq"] == 5
