"""Every tunable of the backend, read from environment variables once per cold start.

Settings are typed and validated here so a bad value fails the cold start loudly
instead of surfacing as a strange error in the middle of a turn.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from chat_core.agent.capabilities import ModelFamily

# The development cursor key is only a fallback for the local stack and unit tests;
# template.yaml always injects a generated secret in AWS.
_DEV_CURSOR_KEY = "local-development-cursor-signing-key"


class Settings(BaseModel):
    """Typed view of the environment (names are the upper-cased field names)."""

    model_config = ConfigDict(frozen=True)

    table_name: str = "chat-local"
    idempotency_table_name: str = "chat-idempotency-local"
    idempotency_ttl_seconds: int = Field(default=86_400, ge=60)
    max_active_conversations: int = Field(default=5, ge=1)
    max_messages_per_conversation: int = Field(default=1000, ge=2)
    max_message_chars: int = Field(default=16000, ge=1)
    turn_lease_seconds: int = Field(default=60, ge=5)
    busy_retry_after_seconds: int = Field(default=2, ge=1)
    rate_limit_turns_per_minute: int = Field(default=20, ge=1)
    # Changes and searches (create, rename, archive, delete, rate, search, export) per
    # user per minute: services/action_budget.py.
    rate_limit_actions_per_minute: int = Field(default=60, ge=1)
    daily_token_budget: int = Field(default=200_000, ge=1)
    deleted_retention_days: int = Field(default=30, ge=1)
    # OpenAI's small GPT-5 model: current, a reasoning model at a chat model's price
    # (docs/design.md "Models"); any OpenAI-compatible model name works.
    openai_model: str = "gpt-5-mini"
    # OPENAI_MODEL's family when agent/capabilities.py does not know the model:
    # "reasoning" or "chat" (unset: the table's entry, else chat).
    openai_model_family: ModelFamily | None = None
    openai_base_url: str | None = None
    openai_api_key: str | None = None
    openai_secret_id: str | None = None
    # Longest silence the model may keep (before its first chunk or between two).
    model_idle_timeout_seconds: float = Field(default=120.0, gt=0)
    # Retries happen only before the reply starts streaming (the openai client's own).
    model_max_retries: int = Field(default=2, ge=0, le=5)
    # A turn's total time, however long the model streams; then the text so far is
    # stored as an ``incomplete`` reply. The worker function's timeout is longer.
    turn_deadline_seconds: int = Field(default=600, ge=10, le=840)
    # How long POST /v1/chat (without streaming) waits for the reply before answering
    # 202 and letting the turn finish in the background (API Gateway stops at 30 s).
    json_reply_wait_seconds: float = Field(default=25.0, gt=0, le=28)
    # How often a running turn looks for new connections (rejoin) and a Stop request.
    live_poll_seconds: float = Field(default=0.5, ge=0.05, le=10)
    # Text deltas are coalesced into one WebSocket message per this many ms
    # (the first piece of a reply is always sent at once).
    stream_flush_ms: int = Field(default=100, ge=0, le=2000)
    # The worker function that runs turns; unset = in this process (tests).
    turn_worker_function: str | None = None
    # The function that titles a conversation after its first reply (invoked without
    # waiting); unset = on a thread of the turn's process. GENERATE_TITLES=false keeps
    # the titles cut from the first message.
    title_worker_function: str | None = None
    generate_titles: bool = True
    # The WebSocket API's management endpoint (https://{api}.execute-api.{region}
    # .amazonaws.com/{stage}); unset = no live events (tests without the stack).
    websocket_management_url: str | None = None
    # The issuer and audiences the WebSocket $connect authorizer accepts: the same as
    # the HTTP API's JWT authorizer.
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    model_retry_after_seconds: int = Field(default=5, ge=1)
    history_max_messages: int = Field(default=40, ge=1, le=200)
    cursor_signing_key: str = _DEV_CURSOR_KEY
    # In AWS: the Secrets Manager secret holding the cursor key, read at run time (and
    # only by the functions that page), never resolved into environment variables.
    cursor_secret_id: str | None = None
    log_message_content: bool = False

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from the environment; empty strings count as unset."""
        env = os.environ if environ is None else environ
        values = {
            name: env[name.upper()]
            for name in cls.model_fields
            if env.get(name.upper(), "").strip() != ""
        }
        return cls.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process (cached: Lambda re-uses the process across invocations)."""
    return Settings.from_env()
