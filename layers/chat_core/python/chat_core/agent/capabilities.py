"""What each model accepts, as data: the request a turn sends follows its model's family.

OpenAI's reasoning models (gpt-5, o-series) refuse ``max_tokens`` (they take
``max_completion_tokens``, which counts the hidden reasoning tokens too) and any
``temperature`` or ``top_p`` but the default; they take ``reasoning_effort``, each
family its own set of levels. Chat models take the classic parameters. A model the
table does not know is a chat model unless its family is declared: in the agent
type's ``model_family`` or, for OPENAI_MODEL, in OPENAI_MODEL_FAMILY (docs/design.md
"Models"), so a new model or another OpenAI-compatible server needs no code change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ModelFamily(StrEnum):
    CHAT = "chat"
    REASONING = "reasoning"


class ReasoningEffort(StrEnum):
    """OpenAI's levels, least to most; each model accepts a subset."""

    NONE = "none"
    MINIMAL = "minimal"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    XHIGH = "xhigh"


_EFFORTS = tuple(ReasoningEffort)
# Reasoning tokens count against max_completion_tokens: a reasoning model gets this
# much on top of the agent type's answer budget, or it may spend the whole budget
# thinking and answer nothing (finish_reason "length" with no text).
REASONING_ALLOWANCE_TOKENS: dict[ReasoningEffort, int] = {
    ReasoningEffort.NONE: 0,
    ReasoningEffort.MINIMAL: 2048,
    ReasoningEffort.LOW: 4096,
    ReasoningEffort.MEDIUM: 8192,
    ReasoningEffort.HIGH: 16384,
    ReasoningEffort.XHIGH: 32768,
}
_MODEL_DEFAULT_EFFORT = ReasoningEffort.MEDIUM  # what OpenAI uses when none is sent


@dataclass(frozen=True)
class ModelCapabilities:
    family: ModelFamily
    # The reasoning_effort levels the model accepts (empty: it takes none).
    efforts: tuple[ReasoningEffort, ...] = ()


_CHAT = ModelCapabilities(ModelFamily.CHAT)
_O_SERIES = ModelCapabilities(
    ModelFamily.REASONING, (ReasoningEffort.LOW, ReasoningEffort.MEDIUM, ReasoningEffort.HIGH)
)
_GPT5 = ModelCapabilities(
    ModelFamily.REASONING,
    (ReasoningEffort.MINIMAL, ReasoningEffort.LOW, ReasoningEffort.MEDIUM, ReasoningEffort.HIGH),
)
_GPT5_POINT = ModelCapabilities(
    ModelFamily.REASONING,
    (
        ReasoningEffort.NONE,
        ReasoningEffort.LOW,
        ReasoningEffort.MEDIUM,
        ReasoningEffort.HIGH,
        ReasoningEffort.XHIGH,
    ),
)
# A declared reasoning model we know nothing else of: every level is passed through.
_DECLARED_REASONING = ModelCapabilities(ModelFamily.REASONING, _EFFORTS)

# First match wins; a provider prefix ("openai/gpt-5-mini") is ignored.
KNOWN_MODELS: tuple[tuple[str, ModelCapabilities], ...] = (
    (r"gpt-5(\.\d+)?-chat", _CHAT),
    (r"gpt-5\.\d+", _GPT5_POINT),
    (r"gpt-5", _GPT5),
    (r"o1-(mini|preview)", ModelCapabilities(ModelFamily.REASONING)),  # no effort levels
    (r"o[1-9]", _O_SERIES),
    (r"codex-mini", _O_SERIES),
    (r"gpt-4|gpt-3\.5|chatgpt-4o", _CHAT),
)
_PATTERNS = tuple((re.compile(pattern), caps) for pattern, caps in KNOWN_MODELS)


def capabilities_of(model: str, declared: ModelFamily | None = None) -> ModelCapabilities:
    """The table's entry for ``model``; a declared family overrides the table."""
    name = model.rsplit("/", 1)[-1].lower()
    known = next((caps for pattern, caps in _PATTERNS if pattern.match(name)), None)
    if declared is None:
        return known or _CHAT
    if declared is ModelFamily.CHAT:
        return _CHAT
    return known if known and known.family is ModelFamily.REASONING else _DECLARED_REASONING


def accepted_effort(
    caps: ModelCapabilities, wanted: ReasoningEffort | None
) -> ReasoningEffort | None:
    """The level sent for ``wanted``: itself, else the next one up the model accepts,
    else its highest (so "minimal" asks an o-series model for "low")."""
    if wanted is None or not caps.efforts:
        return None
    at_or_above = [e for e in _EFFORTS[_EFFORTS.index(wanted) :] if e in caps.efforts]
    return at_or_above[0] if at_or_above else caps.efforts[-1]


@dataclass(frozen=True)
class GenerationLimits:
    """What an agent type asks of a model, whatever its family."""

    temperature: float
    max_output_tokens: int
    reasoning_effort: ReasoningEffort | None = None


def output_bound(caps: ModelCapabilities, limits: GenerationLimits) -> int:
    """The most output tokens one request may bill (its answer and its thinking)."""
    parameters = request_parameters(caps, limits)
    return int(parameters.get("max_completion_tokens") or parameters["max_tokens"])


def request_parameters(caps: ModelCapabilities, limits: GenerationLimits) -> dict[str, Any]:
    """The sampling and length parameters of a Chat Completions request for this model."""
    if caps.family is ModelFamily.CHAT:
        return {"temperature": limits.temperature, "max_tokens": limits.max_output_tokens}
    effort = accepted_effort(caps, limits.reasoning_effort)
    allowance = REASONING_ALLOWANCE_TOKENS[effort or _MODEL_DEFAULT_EFFORT]
    parameters: dict[str, Any] = {"max_completion_tokens": limits.max_output_tokens + allowance}
    if effort is not None:
        parameters["reasoning_effort"] = effort.value
    return parameters
