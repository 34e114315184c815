"""What a turn asks of each model follows its family, and OpenAI's own rules (as the
local model servers keep them) accept every request the backend makes."""

from __future__ import annotations

import pytest

from chat_core.agent.capabilities import (
    REASONING_ALLOWANCE_TOKENS,
    GenerationLimits,
    ModelFamily,
    ReasoningEffort,
    capabilities_of,
    request_parameters,
)
from chat_core.agent.catalogue import AGENT_TYPES
from chat_core.agent.text import SurrogateJoiner, well_formed
from chat_core.agent.titling import TITLE_AGENT
from local.model_rules import refused

LIMITS = GenerationLimits(temperature=0.7, max_output_tokens=1000, reasoning_effort=None)


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("gpt-5-mini", ModelFamily.REASONING),
        ("gpt-5", ModelFamily.REASONING),
        ("gpt-5.1", ModelFamily.REASONING),
        ("openai/gpt-5-nano", ModelFamily.REASONING),
        ("o3", ModelFamily.REASONING),
        ("o4-mini", ModelFamily.REASONING),
        ("gpt-5-chat-latest", ModelFamily.CHAT),
        ("gpt-4o-mini", ModelFamily.CHAT),
        ("gpt-4.1", ModelFamily.CHAT),
        ("llama-3.1-70b", ModelFamily.CHAT),
    ],
)
def test_the_table_knows_each_family(model: str, family: ModelFamily) -> None:
    assert capabilities_of(model).family is family


def test_a_chat_model_gets_the_classic_parameters() -> None:
    assert request_parameters(capabilities_of("gpt-4o-mini"), LIMITS) == {
        "temperature": 0.7,
        "max_tokens": 1000,
    }


def test_a_reasoning_model_gets_completion_tokens_with_room_to_think_and_no_temperature() -> None:
    limits = GenerationLimits(0.7, 1000, ReasoningEffort.LOW)
    assert request_parameters(capabilities_of("gpt-5-mini"), limits) == {
        "max_completion_tokens": 1000 + REASONING_ALLOWANCE_TOKENS[ReasoningEffort.LOW],
        "reasoning_effort": "low",
    }


@pytest.mark.parametrize(
    ("model", "wanted", "sent"),
    [
        ("gpt-5-mini", ReasoningEffort.MINIMAL, "minimal"),
        ("o4-mini", ReasoningEffort.MINIMAL, "low"),  # o-series: low is its least
        ("gpt-5.1", ReasoningEffort.MINIMAL, "low"),
        ("gpt-5-mini", ReasoningEffort.XHIGH, "high"),  # above its top: its top
        ("gpt-5.2", ReasoningEffort.NONE, "none"),
    ],
)
def test_an_effort_is_sent_as_the_nearest_the_model_takes(
    model: str, wanted: ReasoningEffort, sent: str
) -> None:
    limits = GenerationLimits(1.0, 100, wanted)
    assert request_parameters(capabilities_of(model), limits)["reasoning_effort"] == sent


def test_an_unknown_model_is_a_chat_model_unless_declared() -> None:
    assert capabilities_of("my-local-thinker").family is ModelFamily.CHAT
    declared = capabilities_of("my-local-thinker", ModelFamily.REASONING)
    limits = GenerationLimits(0.7, 100, ReasoningEffort.MINIMAL)
    assert request_parameters(declared, limits)["reasoning_effort"] == "minimal"
    assert capabilities_of("gpt-5-mini", ModelFamily.CHAT).family is ModelFamily.CHAT


@pytest.mark.parametrize(
    "model", ["gpt-5-mini", "gpt-5.1", "o3", "o4-mini", "o1-mini", "gpt-4o-mini"]
)
@pytest.mark.parametrize("agent", [*AGENT_TYPES, TITLE_AGENT], ids=lambda a: a.name)
def test_openai_s_rules_accept_what_every_agent_type_sends(model: str, agent: object) -> None:
    from chat_core.agent.catalogue import AgentType

    assert isinstance(agent, AgentType)
    body = {"model": model, **request_parameters(capabilities_of(model), agent.limits)}
    assert refused(body) is None, body


def test_openai_s_rules_refuse_what_a_chat_model_s_request_would_send_a_reasoning_model() -> None:
    body = {"model": "gpt-5-mini", **request_parameters(capabilities_of("gpt-4o"), LIMITS)}
    refusal = refused(body)
    assert refusal is not None
    assert refusal["error"]["param"] == "max_tokens"
    assert "max_completion_tokens" in refusal["error"]["message"]


def test_split_surrogate_halves_are_joined_and_a_lone_one_replaced() -> None:
    joiner = SurrogateJoiner()
    pieces = [joiner.feed(p) for p in ("smile \ud83d", "\ude00 and ", "\udc00 x \ud83d")]
    pieces.append(joiner.flush())
    assert "".join(pieces) == "smile \U0001f600 and \ufffd x \ufffd"
    assert all(piece.encode("utf-8") for piece in pieces)  # nothing UTF-8 cannot carry
    assert well_formed("plain") == "plain"
