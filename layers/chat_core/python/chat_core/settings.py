"""Every tunable of the backend, by what it configures, read from environment variables
with pydantic-settings (names are the upper-cased field names; an empty value is unset).

Each section is what one part of the backend reads. A function declares the sections
it reads (``declare_settings`` in its app.py), which are validated at its cold start so
a bad value fails loudly instead of surfacing in the middle of a turn, and the template
gives it only their variables (tests/unit/test_function_settings.py holds both to the
declarations). Services receive one ``Settings``: every section, as the environment
has them (a section a function does not read keeps its defaults).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from chat_core.agent.capabilities import ModelFamily

# The development cursor key is only a fallback for the local stack and unit tests;
# template.yaml always injects a generated secret in AWS.
_DEV_CURSOR_KEY = "local-development-cursor-signing-key"


class Section(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, env_ignore_empty=True, extra="ignore")


class TableSettings(Section):
    table_name: str = "chat-local"


class IdempotencySettings(Section):
    idempotency_table_name: str = "chat-idempotency-local"
    idempotency_ttl_seconds: int = Field(default=86_400, ge=60)


class ConversationLimits(Section):
    max_active_conversations: int = Field(default=5, ge=1)
    max_messages_per_conversation: int = Field(default=1000, ge=2)
    max_message_chars: int = Field(default=16000, ge=1)
    busy_retry_after_seconds: int = Field(default=2, ge=1)
    deleted_retention_days: int = Field(default=30, ge=1)


class TurnBudgets(Section):
    """What a turn holds: its lease and the user's budgets."""

    turn_lease_seconds: int = Field(default=60, ge=5)
    rate_limit_turns_per_minute: int = Field(default=20, ge=1)
    daily_token_budget: int = Field(default=200_000, ge=1)
    model_retry_after_seconds: int = Field(default=5, ge=1)


class DispatchSettings(Section):
    """Where a claimed turn goes: the worker function (unset = in this process, as in
    unit tests), and how long a plain request waits for its reply before answering 202
    and letting the turn finish in the background (API Gateway stops at 30 s)."""

    turn_worker_function: str | None = None
    json_reply_wait_seconds: float = Field(default=25.0, gt=0, le=28)


class ActionLimits(Section):
    # Changes and searches (create, rename, archive, delete, rate, search, export) per
    # user per minute: services/action_budget.py.
    rate_limit_actions_per_minute: int = Field(default=60, ge=1)


class ModelChoice(Section):
    # OpenAI's small GPT-5 model: current, a reasoning model at a chat model's price
    # (docs/design.md "Models"); any OpenAI-compatible model name works.
    openai_model: str = "gpt-5-mini"
    # OPENAI_MODEL's family when agent/capabilities.py does not know the model:
    # "reasoning" or "chat" (unset: the table's entry, else chat).
    openai_model_family: ModelFamily | None = None


class ModelClient(Section):
    """How the model is reached: only the functions that call it read these."""

    openai_base_url: str | None = None
    openai_api_key: str | None = None
    openai_secret_id: str | None = None
    # Longest silence the model may keep (before its first chunk or between two).
    model_idle_timeout_seconds: float = Field(default=120.0, gt=0)
    # Retries happen only before the reply starts streaming (the openai client's own).
    model_max_retries: int = Field(default=2, ge=0, le=5)


class GenerationSettings(Section):
    # A turn's total time, however long the model streams; then the text so far is
    # stored as an ``incomplete`` reply. The worker function's timeout is longer.
    turn_deadline_seconds: int = Field(default=600, ge=10, le=840)
    # How often a running turn looks for new connections (rejoin) and a Stop request.
    live_poll_seconds: float = Field(default=0.5, ge=0.05, le=10)
    # Text deltas are coalesced into one WebSocket message per this many ms
    # (the first piece of a reply is always sent at once).
    stream_flush_ms: int = Field(default=100, ge=0, le=2000)
    history_max_messages: int = Field(default=40, ge=1, le=200)
    log_message_content: bool = False
    # The function that titles a conversation after its first reply (invoked without
    # waiting); unset = on a thread of the turn's process. GENERATE_TITLES=false keeps
    # the titles cut from the first message.
    title_worker_function: str | None = None
    generate_titles: bool = True
    # How long a reply waits for the user's approval of a tool call; a later decision
    # counts as a rejection (docs/api.md "Approvals").
    approval_wait_seconds: int = Field(default=86400, ge=1, le=30 * 86400)


class LiveSettings(Section):
    # The WebSocket API's management endpoint (https://{api}.execute-api.{region}
    # .amazonaws.com/{stage}); unset = no live events (tests without the stack).
    websocket_management_url: str | None = None


class AuthSettings(Section):
    # The issuer and audiences the WebSocket $connect authorizer accepts: the same as
    # the HTTP API's JWT authorizer.
    jwt_issuer: str | None = None
    jwt_audience: str | None = None


class CursorSettings(Section):
    cursor_signing_key: str = _DEV_CURSOR_KEY
    # In AWS: the Secrets Manager secret holding the cursor key, read at run time (and
    # only by the functions that page), never resolved into environment variables.
    cursor_secret_id: str | None = None


class ToolSettings(Section):
    # In AWS: the prefix of the Secrets Manager secrets holding MCP servers' auth
    # (the agent types file names each server's secret; tools/mcp_auth.py).
    mcp_auth_secret_prefix: str = ""


class Settings(
    TableSettings,
    IdempotencySettings,
    ConversationLimits,
    TurnBudgets,
    DispatchSettings,
    ActionLimits,
    ModelChoice,
    ModelClient,
    GenerationSettings,
    LiveSettings,
    AuthSettings,
    CursorSettings,
    ToolSettings,
):
    """Every section, as the services read them. Built from its arguments only (tests
    give what they change); get_settings() gives it the environment's sections."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


# Every section, in Settings' order.
SECTIONS: tuple[type[Section], ...] = Settings.__bases__


def declare_settings(*sections: type[Section]) -> None:
    """A function's sections, validated from the environment at its cold start: a
    missing or bad value fails the import, before any request."""
    for section in sections:
        section()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process (cached: Lambda re-uses the process across invocations)."""
    values: dict[str, Any] = {}
    for section in SECTIONS:
        values |= section().model_dump()
    return Settings(**values)
