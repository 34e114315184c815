"""Agent types are data, not code branches: adding one is adding an entry here."""

from __future__ import annotations

from dataclasses import dataclass

from chat_core.agent.capabilities import (
    GenerationLimits,
    ModelCapabilities,
    ModelFamily,
    ReasoningEffort,
    capabilities_of,
)
from chat_core.errors import UnknownAgentType


@dataclass(frozen=True)
class AgentType:
    name: str
    description: str
    system_prompt: str
    temperature: float = 0.7
    # Token budget of the prompt (system + history + new message) sent to the model.
    history_token_budget: int = 6000
    max_output_tokens: int = 1024
    model: str | None = None  # None: the OPENAI_MODEL setting
    # The model's family when the capabilities table does not know it (None: the
    # table's, or OPENAI_MODEL_FAMILY for OPENAI_MODEL).
    model_family: ModelFamily | None = None
    # Asked of reasoning models only (the nearest level the model accepts).
    reasoning_effort: ReasoningEffort | None = None
    default: bool = False
    # The tools the model may call (tools/builtin.py's names), and at most how many
    # times it is asked per turn before it must answer without them.
    tools: tuple[str, ...] = ()
    max_steps: int = 10

    @property
    def limits(self) -> GenerationLimits:
        return GenerationLimits(self.temperature, self.max_output_tokens, self.reasoning_effort)

    def capabilities(
        self, default_model: str, default_family: ModelFamily | None
    ) -> tuple[str, ModelCapabilities]:
        """The model this agent type asks, and what it accepts: its own model (and
        family), else the deployment's OPENAI_MODEL (and OPENAI_MODEL_FAMILY)."""
        model = self.model or default_model
        declared = self.model_family or (None if self.model else default_family)
        return model, capabilities_of(model, declared)


AGENT_TYPES: tuple[AgentType, ...] = (
    AgentType(
        name="general",
        description="A helpful general-purpose assistant.",
        system_prompt=(
            "You are a helpful, friendly assistant. Answer clearly and concisely, and use "
            "Markdown for lists and code."
        ),
        reasoning_effort=ReasoningEffort.LOW,
        default=True,
    ),
    AgentType(
        name="coder",
        description="A programming assistant that answers with working code.",
        system_prompt=(
            "You are an expert software engineer. Prefer short explanations followed by "
            "complete, runnable code blocks with the language named."
        ),
        temperature=0.2,
        history_token_budget=8000,
        max_output_tokens=2048,
        reasoning_effort=ReasoningEffort.MEDIUM,
    ),
    AgentType(
        name="assistant",
        description="Looks things up with tools: the date and time, a calculator, and "
        "your earlier conversations.",
        system_prompt=(
            "You are a helpful assistant with tools. Use them when they give a better "
            "answer than memory: the current time, exact arithmetic, and the user's own "
            "earlier conversations (search by title, then read). Say what you found."
        ),
        reasoning_effort=ReasoningEffort.LOW,
        tools=("current_time", "calculator", "search_conversations", "read_conversation"),
    ),
    AgentType(
        name="concise",
        description="Answers in three sentences or fewer.",
        system_prompt="You answer in at most three short sentences. No preamble.",
        temperature=0.3,
        history_token_budget=3000,
        max_output_tokens=256,
        reasoning_effort=ReasoningEffort.MINIMAL,
    ),
)

_BY_NAME = {agent.name: agent for agent in AGENT_TYPES}


def default_agent() -> AgentType:
    return next(agent for agent in AGENT_TYPES if agent.default)


def resolve_agent(name: str | None) -> AgentType:
    """The named agent type, or the default one; unknown names are the caller's error."""
    if name is None:
        return default_agent()
    agent = _BY_NAME.get(name)
    if agent is None:
        raise UnknownAgentType(f"Unknown agent type {name!r}; see GET /v1/agents.")
    return agent
