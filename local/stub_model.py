"""An OpenAI-compatible Chat Completions stub, reached through the real `openai` client.

Its reply quotes the latest user message and the one before it, so a test can see
that the history reached the model. Development-only directives in the latest user
message: `[stub:delay=SECONDS]` answers late, `[stub:status=CODE]` fails with CODE.
"""

from __future__ import annotations

import math
import re
import time
import uuid
from typing import Any

MAX_DELAY_SECONDS = 30
_DELAY = re.compile(r"\[stub:delay=(\d+(?:\.\d+)?)\]")
_STATUS = re.compile(r"\[stub:status=(\d{3})\]")


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def complete(body: Any) -> tuple[int, dict[str, Any]]:
    """(status, JSON body) of POST /chat/completions."""
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return 400, _error("messages is required", "invalid_request_error")
    messages = [m for m in body["messages"] if isinstance(m, dict)]
    users = [str(m.get("content", "")) for m in messages if m.get("role") == "user"]
    latest = users[-1] if users else ""
    delay = _DELAY.search(latest)
    if delay:
        time.sleep(min(float(delay.group(1)), MAX_DELAY_SECONDS))
    status = _STATUS.search(latest)
    if status and int(status.group(1)) >= 400:
        return int(status.group(1)), _error("stub model failure requested", "server_error")
    reply = f'You said: "{latest}".'
    reply += (
        f' Before that you said: "{users[-2]}".'
        if len(users) > 1
        else " There was no earlier message from you."
    )
    prompt_tokens = sum(estimate_tokens(str(m.get("content", ""))) for m in messages)
    completion_tokens = estimate_tokens(reply)
    return 200, {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(body.get("model", "stub-model")),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def models() -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"id": "stub-model", "object": "model", "created": 0, "owned_by": "local"}],
    }


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}
