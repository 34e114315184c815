"""The model client: OpenAI Chat Completions through the official ``openai`` client.

Chat Completions (not a vendor-specific API) so any OpenAI-compatible server works
through OPENAI_BASE_URL, including the local stub. Timeouts and retries are bounded
so the worst case stays inside API Gateway's 30 s integration limit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

import openai

from chat_core.agent.catalogue import AgentType
from chat_core.agent.history import PromptMessage
from chat_core.agent.tokens import estimate_tokens
from chat_core.settings import Settings


class ModelUnavailable(Exception):
    """The model failed, timed out or refused; the turn keeps the user's message."""

    def __init__(self, reason: str, *, provider_rate_limited: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.provider_rate_limited = provider_rate_limited


@dataclass(frozen=True)
class Completion:
    content: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: int


class ChatModel(Protocol):
    def complete(self, agent: AgentType, prompt: list[PromptMessage]) -> Completion: ...


def resolve_api_key(settings: Settings) -> str:
    """OPENAI_API_KEY locally; in AWS the secret named by OPENAI_SECRET_ID, read once.

    Powertools' parameters utility caches the secret for the life of the process, so
    the key costs one Secrets Manager call per cold start.
    """
    if settings.openai_api_key:
        return settings.openai_api_key
    if settings.openai_secret_id:
        from aws_lambda_powertools.utilities.parameters import get_secret

        return str(get_secret(settings.openai_secret_id, max_age=3600))
    raise ModelUnavailable("no OpenAI API key is configured")


class OpenAIChatModel:
    """Calls the model; one instance per process re-uses its HTTP connections."""

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self._settings = settings
        self._client = client

    def _get_client(self) -> Any:
        if self._client is None:
            self._client = openai.OpenAI(
                api_key=resolve_api_key(self._settings),
                base_url=self._settings.openai_base_url or None,
                timeout=self._settings.model_timeout_seconds,
                max_retries=self._settings.model_max_retries,
            )
        return self._client

    def complete(self, agent: AgentType, prompt: list[PromptMessage]) -> Completion:
        started = time.monotonic()
        try:
            response = self._get_client().chat.completions.create(
                model=agent.model or self._settings.openai_model,
                messages=[{"role": m.role, "content": m.content} for m in prompt],
                temperature=agent.temperature,
                max_tokens=agent.max_output_tokens,
            )
        except openai.RateLimitError as exc:
            raise ModelUnavailable("model rate limited", provider_rate_limited=True) from exc
        except (openai.APITimeoutError, openai.APIConnectionError) as exc:
            raise ModelUnavailable(f"model unreachable: {type(exc).__name__}") from exc
        except openai.APIStatusError as exc:
            raise ModelUnavailable(f"model answered HTTP {exc.status_code}") from exc
        except openai.OpenAIError as exc:
            raise ModelUnavailable(f"model error: {type(exc).__name__}") from exc
        latency_ms = int((time.monotonic() - started) * 1000)
        if not response.choices or response.choices[0].message.content is None:
            raise ModelUnavailable("model returned no content")
        content = response.choices[0].message.content
        usage = response.usage
        prompt_tokens = (
            usage.prompt_tokens if usage else sum(estimate_tokens(m.content) for m in prompt)
        )
        completion_tokens = usage.completion_tokens if usage else estimate_tokens(content)
        return Completion(content, prompt_tokens, completion_tokens, latency_ms)
