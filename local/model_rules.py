"""OpenAI's parameter rules for its reasoning models, as its API enforces them, for the
local model servers (the stub, and the tests' second server).

A request the real API would refuse is refused here with the same status and error
body, so a regression in what the backend sends fails a test instead of every turn in
production. The rules follow OpenAI's documented behaviour: reasoning models (gpt-5,
o1, o3, o4-mini...) take ``max_completion_tokens``, never ``max_tokens``; only the
default ``temperature`` and ``top_p`` (1); ``reasoning_effort`` from their own set.
A chat model (gpt-4o, gpt-4.1, any other name) takes no ``reasoning_effort``.
"""

from __future__ import annotations

import re
from typing import Any

_GPT5 = ("minimal", "low", "medium", "high")
_GPT5_POINT = ("none", "low", "medium", "high", "xhigh")
_O_SERIES = ("low", "medium", "high")
_REASONING_MODELS = (
    (re.compile(r"gpt-5(\.\d+)?-chat"), None),
    (re.compile(r"gpt-5\.\d+"), _GPT5_POINT),
    (re.compile(r"gpt-5"), _GPT5),
    (re.compile(r"o1-(mini|preview)"), ()),
    (re.compile(r"o[1-9]"), _O_SERIES),
)


def reasoning_efforts(model: str) -> tuple[str, ...] | None:
    """The efforts a reasoning model takes; None for a chat model."""
    name = model.rsplit("/", 1)[-1].lower()
    return next((efforts for pattern, efforts in _REASONING_MODELS if pattern.match(name)), None)


def _refusal(message: str, param: str, code: str | None) -> dict[str, Any]:
    return {
        "error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}
    }


def _quoted(values: tuple[str, ...]) -> str:
    quoted = [f"'{v}'" for v in values]
    return ", ".join(quoted[:-1]) + f", and {quoted[-1]}"


def refused(body: dict[str, Any]) -> dict[str, Any] | None:
    """OpenAI's 400 error body for a request its model would refuse, else None."""
    return _tool_sequence(body.get("messages")) or _parameters(body)


def _tool_sequence(messages: Any) -> dict[str, Any] | None:
    """OpenAI's rules for tool messages (any model): each answers a call of the
    assistant message just before, and every call is answered before anything else."""
    open_ids: list[str] = []
    for message in messages if isinstance(messages, list) else []:
        role = message.get("role") if isinstance(message, dict) else None
        if role == "tool":
            if message.get("tool_call_id") not in open_ids:
                return _refusal(
                    "Invalid parameter: messages with role 'tool' must be a response to a "
                    "preceeding message with 'tool_calls'.",
                    "messages",
                    None,
                )
            open_ids.remove(message.get("tool_call_id"))
            continue
        if open_ids:
            return _unanswered(open_ids)
        calls = message.get("tool_calls") if role == "assistant" else None
        open_ids = [str(call.get("id")) for call in calls or [] if isinstance(call, dict)]
    if open_ids:
        return _unanswered(open_ids)
    return None


def _unanswered(open_ids: list[str]) -> dict[str, Any]:
    return _refusal(
        "An assistant message with 'tool_calls' must be followed by tool messages "
        "responding to each 'tool_call_id'. The following tool_call_ids did not "
        f"have response messages: {', '.join(open_ids)}",
        "messages",
        None,
    )


def _parameters(body: dict[str, Any]) -> dict[str, Any] | None:
    efforts = reasoning_efforts(str(body.get("model", "")))
    effort = body.get("reasoning_effort")
    if effort is not None and not efforts:  # a chat model, or one that takes no level
        return _refusal(
            "Unsupported parameter: 'reasoning_effort' is not supported with this model.",
            "reasoning_effort",
            "unsupported_parameter",
        )
    if efforts is None:
        return None
    if "max_tokens" in body:
        return _refusal(
            "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
            "max_tokens",
            "unsupported_parameter",
        )
    for name in ("temperature", "top_p"):
        if name in body and body[name] != 1:
            return _refusal(
                f"Unsupported value: '{name}' does not support {body[name]} with this "
                "model. Only the default (1) value is supported.",
                name,
                "unsupported_value",
            )
    if effort is not None and effort not in efforts:
        return _refusal(
            f"Unsupported value: 'reasoning_effort' does not support '{effort}' with this "
            f"model. Supported values are: {_quoted(efforts)}.",
            "reasoning_effort",
            "unsupported_value",
        )
    return None


def output_limit(body: dict[str, Any]) -> int | None:
    """The most tokens the reply may hold (reasoning included), as the request asked."""
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    return int(limit) if isinstance(limit, int) and limit > 0 else None
