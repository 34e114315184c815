"""The API's error family: each error knows its HTTP status and contract code.

Services raise these; the HTTP layer turns them into the contract's error body, so
no handler decides a status code on its own.
"""

from __future__ import annotations


class ApiError(Exception):
    """An error the caller can see: status, snake_case code and one clear sentence."""

    status: int = 500
    code: str = "internal_error"
    default_message: str = "Something went wrong on our side; please try again."

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: int | None = None,
        extra: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        self.retry_after = retry_after
        self.extra = extra or {}

    def to_payload(self) -> dict[str, object]:
        """The error as data, to cross a function boundary (the turn worker's answer)."""
        return {
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "retry_after": self.retry_after,
            "extra": {k: v for k, v in self.extra.items() if isinstance(v, (str, int))},
        }


class InvalidRequest(ApiError):
    status, code = 400, "invalid_request"
    default_message = "The request is not valid."


class UnknownAgentType(ApiError):
    status, code = 400, "unknown_agent_type"
    default_message = "That agent type does not exist; see GET /v1/agents."


class InvalidCursor(ApiError):
    status, code = 400, "invalid_cursor"
    default_message = "The cursor is not valid for this list; start again without it."


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"
    default_message = "The request carries no verified caller identity."


class Forbidden(ApiError):
    status, code = 403, "forbidden"
    default_message = "This conversation belongs to someone else."


class NotFound(ApiError):
    status, code = 404, "not_found"
    default_message = "No such conversation."


class RouteNotFound(ApiError):
    status, code = 404, "not_found"
    default_message = "No such route."


class ConversationBusy(ApiError):
    status, code = 409, "conversation_busy"
    default_message = "Another message of this conversation is being answered; retry shortly."


class IdempotencyInProgress(ApiError):
    status, code = 409, "request_in_progress"
    default_message = "A request with this Idempotency-Key is still running; retry shortly."


class NoTurnInProgress(ApiError):
    status, code = 409, "no_turn_in_progress"
    default_message = "No reply is being generated in this conversation."


class MessageTooLong(ApiError):
    status, code = 413, "message_too_long"
    default_message = "The message is longer than the limit."


class ConversationFull(ApiError):
    status, code = 422, "conversation_full"
    default_message = "This conversation reached its message limit; start a new one."


class IdempotencyKeyReused(ApiError):
    status, code = 422, "idempotency_key_reused"
    default_message = "This Idempotency-Key was already used with a different request body."


class RateLimited(ApiError):
    status, code = 429, "rate_limited"
    default_message = "Too many requests; retry after the time in Retry-After."


class AgentUnavailable(ApiError):
    status, code = 503, "agent_unavailable"
    default_message = (
        "The assistant is unavailable right now; your message was kept, retry shortly."
    )


class AgentMisconfigured(ApiError):
    """The model refused the request itself (a parameter, the key, the model's name):
    retrying cannot help until the operator fixes the configuration."""

    status, code = 502, "agent_misconfigured"
    default_message = (
        "The assistant is misconfigured: the model refused the request. Your message was "
        "kept; the operator has to fix the agent's configuration before it can answer."
    )


class StorageUnavailable(ApiError):
    status, code = 503, "storage_unavailable"
    default_message = "Storage is unavailable right now; nothing was changed, retry shortly."


def error_from_payload(payload: dict[str, object]) -> ApiError:
    """The ApiError that ``to_payload`` described (same status, code and message)."""
    retry_after = payload.get("retry_after")
    extra = payload.get("extra")
    error = ApiError(
        str(payload.get("message") or ApiError.default_message),
        retry_after=retry_after if isinstance(retry_after, int) else None,
        extra=dict(extra) if isinstance(extra, dict) else None,
    )
    status = payload.get("status")
    error.status = status if isinstance(status, int) else 500
    error.code = str(payload.get("code") or "internal_error")
    return error


class NothingToRegenerate(ApiError):
    status, code = 409, "nothing_to_regenerate"
    default_message = (
        "The conversation's last message is not a reply; send or edit a message instead."
    )


class NothingToContinue(ApiError):
    status, code = 409, "nothing_to_continue"
    default_message = (
        "The conversation's last message is not a reply that was cut short; only an "
        "incomplete or stopped reply can be continued."
    )


class NothingToApprove(ApiError):
    status, code = 409, "nothing_to_approve"
    default_message = (
        "The conversation's last reply is not waiting for an approval (it was decided, "
        "stopped, or the conversation moved on)."
    )


class MessageNotEditable(ApiError):
    status, code = 409, "message_not_editable"
    default_message = (
        "Only the conversation's last user message can be edited; editing an earlier "
        "one would branch the conversation, which the API does not do."
    )
