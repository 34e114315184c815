"""The model client: OpenAI Chat Completions, streamed, through the official ``openai`` client.

Chat Completions (not a vendor-specific API) so any OpenAI-compatible server works
through OPENAI_BASE_URL, including the local stub. Every turn streams
(``stream=True`` with ``stream_options.include_usage``): a reply may take minutes, so
the client's read timeout bounds the silence *between* chunks, never the whole reply,
and the turn's own deadline (services/turn_runner.py) bounds the total. What the
request asks of the model follows its family (agent/capabilities.py). The client's
retries only happen before the response starts, so the model is asked once per turn
unless it fails before its first chunk.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai

from chat_core.agent.capabilities import request_parameters
from chat_core.agent.catalogue import AgentType
from chat_core.agent.history import PromptMessage
from chat_core.agent.model_port import (
    Finished,
    FinishReason,
    ModelPiece,
    ModelRefused,
    ModelUnavailable,
    ModelUsage,
    ReasoningText,
    ReplyStream,
    ToolCallDelta,
)
from chat_core.settings import Settings


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


# The model refused the request itself: asking again cannot help (ModelRefused).
_REFUSALS = (400, 401, 403, 404, 422)


def _unavailable(exc: Exception) -> ModelUnavailable:
    if isinstance(exc, openai.RateLimitError):
        return ModelUnavailable("model rate limited")
    if isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError)):
        return ModelUnavailable(f"model unreachable: {type(exc).__name__}")
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code in _REFUSALS:
            return ModelRefused(
                f"model refused the request (HTTP {exc.status_code}): {exc.message}"
            )
        return ModelUnavailable(f"model answered HTTP {exc.status_code}")
    if isinstance(exc, openai.APIError):  # an error object in the stream, after some text
        return ModelUnavailable(f"model error mid-reply: {exc.message}")
    return ModelUnavailable(f"model error: {type(exc).__name__}")


def _pieces(chunk: Any) -> Iterator[ModelPiece]:
    """What one chunk carries. Servers differ: Azure sends chunks with no choices (its
    filter results), DeepSeek and vLLM stream ``reasoning_content``, OpenRouter and
    Ollama ``reasoning``; the usage chunk may never come."""
    for choice in chunk.choices or ():
        delta = choice.delta
        if delta is not None:
            thought = getattr(delta, "reasoning_content", None) or getattr(delta, "reasoning", None)
            if isinstance(thought, str) and thought:
                yield ReasoningText(thought)
            text = getattr(delta, "content", None)
            if isinstance(text, str) and text:
                yield text
            for call in getattr(delta, "tool_calls", None) or ():
                function = getattr(call, "function", None)
                yield ToolCallDelta(
                    index=int(getattr(call, "index", 0) or 0),
                    call_id=getattr(call, "id", None),
                    name=getattr(function, "name", None),
                    arguments=str(getattr(function, "arguments", None) or ""),
                )
        finish = getattr(choice, "finish_reason", None)
        if finish in _FINISH_REASONS:
            yield Finished(FinishReason(finish))
    usage = getattr(chunk, "usage", None)
    if usage is not None:
        details = getattr(usage, "completion_tokens_details", None)
        reasoning = getattr(details, "reasoning_tokens", None) if details else None
        yield ModelUsage(
            usage.prompt_tokens or 0, usage.completion_tokens or 0, int(reasoning or 0)
        )


_FINISH_REASONS = {reason.value for reason in FinishReason}


class _OpenAIReplyStream:
    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._closed = False

    def __iter__(self) -> Iterator[ModelPiece]:
        try:
            for chunk in self._stream:
                yield from _pieces(chunk)
        except openai.OpenAIError as exc:
            if not self._closed:
                raise _unavailable(exc) from exc
        except Exception as exc:  # a closed response surfaces as the HTTP library's error
            if not self._closed:
                raise ModelUnavailable(f"model stream broke: {type(exc).__name__}") from exc

    def close(self) -> None:
        self._closed = True
        self._stream.close()


class OpenAIChatModel:
    """Calls the model; one instance per process re-uses its HTTP connections."""

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self._settings = settings
        self._client = client

    def _get_client(self) -> Any:
        if self._client is None:
            idle = self._settings.model_idle_timeout_seconds
            self._client = openai.OpenAI(
                api_key=resolve_api_key(self._settings),
                base_url=self._settings.openai_base_url or None,
                timeout=openai.Timeout(idle, connect=min(idle, 10.0)),
                max_retries=self._settings.model_max_retries,
            )
        return self._client

    def stream(
        self,
        agent: AgentType,
        prompt: list[PromptMessage],
        tools: list[dict[str, Any]] | None = None,
    ) -> ReplyStream:
        """Opens the streamed request; raises ModelUnavailable if it fails to start."""
        try:
            client = self._get_client()
        except ModelUnavailable:
            raise
        except Exception as exc:  # any failure to get the key is the model's
            # A missing secret, a denied GetSecretValue, a KMS key the function cannot use:
            # the turn must end as 503 with the message kept, not crash the worker.
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
            raise ModelUnavailable(f"the model's API key could not be read ({code})") from exc
        settings = self._settings
        model, caps = agent.capabilities(settings.openai_model, settings.openai_model_family)
        try:
            stream = client.chat.completions.create(
                model=model,
                messages=[m.as_chat_message() for m in prompt],
                stream=True,
                stream_options={"include_usage": True},
                **({"tools": tools} if tools else {}),
                **request_parameters(caps, agent.limits),
            )
        except openai.OpenAIError as exc:
            raise _unavailable(exc) from exc
        return _OpenAIReplyStream(stream)
