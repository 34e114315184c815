"""In-process fakes of the ports that are not storage (storage runs on moto)."""

from __future__ import annotations

from dataclasses import dataclass, field

from chat_core.agent.catalogue import AgentType
from chat_core.agent.history import PromptMessage
from chat_core.agent.model import Completion, ModelUnavailable


@dataclass
class FakeModel:
    """Answers like the local stub model and records every prompt it was sent."""

    prompts: list[list[PromptMessage]] = field(default_factory=list)
    fail_with: str | None = None

    def complete(self, agent: AgentType, prompt: list[PromptMessage]) -> Completion:
        self.prompts.append(prompt)
        if self.fail_with:
            raise ModelUnavailable(self.fail_with)
        users = [m.content for m in prompt if m.role == "user"]
        content = f"reply to {users[-1]!r} (history {len(prompt) - 1})"
        return Completion(
            content, prompt_tokens=10 * len(prompt), completion_tokens=7, latency_ms=1
        )


class ManualClock:
    """A clock the test moves by hand (leases, rate windows)."""

    def __init__(self, start_ms: int = 1_790_000_000_000) -> None:
        self.now = start_ms

    def __call__(self) -> int:
        return self.now

    def advance(self, ms: int) -> None:
        self.now += ms
