"""In-process fakes of the ports that are not storage (storage runs on moto), and the
one storage behaviour moto cannot show: a listing index that lags."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from chat_core.agent.catalogue import AgentType
from chat_core.agent.history import PromptMessage
from chat_core.agent.model_port import ModelPiece, ModelRefused, ModelUnavailable, ModelUsage
from chat_core.repository.records import ConversationRecord


class FakeReplyStream:
    """A reply stream of fixed pieces; may pause before each piece or break after some."""

    def __init__(
        self,
        pieces: list[ModelPiece],
        usage: ModelUsage | None,
        *,
        pause_seconds: float = 0.0,
        break_after: int | None = None,
    ) -> None:
        self._pieces = pieces
        self._usage = usage
        self._pause = pause_seconds
        self._break_after = break_after
        self.closed = threading.Event()

    def __iter__(self) -> Iterator[ModelPiece]:
        for number, piece in enumerate(self._pieces):
            if self._break_after is not None and number >= self._break_after:
                raise ModelUnavailable("model stream broke: fake")
            if self._pause and self.closed.wait(self._pause):
                return
            if self.closed.is_set():
                return
            yield piece
        if self._usage is not None:
            yield self._usage

    def close(self) -> None:
        self.closed.set()


@dataclass
class FakeModel:
    """Answers like the local stub model and records every prompt it was sent.

    ``fail_with`` fails before the first piece (``refuse_with``: the model refuses the
    request); ``break_after`` breaks the stream after that many pieces;
    ``pause_seconds`` waits before each piece; ``script`` streams exactly these pieces
    (text, reasoning, a finish reason) instead of the reply; ``steps``: one script per
    call, in order (a turn with tool calls asks the model several times), each call's
    offered tools recorded in ``offered``.
    """

    prompts: list[list[PromptMessage]] = field(default_factory=list)
    fail_with: str | None = None
    refuse_with: str | None = None
    script: list[ModelPiece] | None = None
    break_after: int | None = None
    pause_seconds: float = 0.0
    pieces_per_reply: int = 3
    streams: list[FakeReplyStream] = field(default_factory=list)
    steps: list[list[ModelPiece]] = field(default_factory=list)
    offered: list[list[str]] = field(default_factory=list)

    def stream(
        self, agent: AgentType, prompt: list[PromptMessage], tools: Any = None
    ) -> FakeReplyStream:
        self.prompts.append(prompt)
        self.offered.append([t["function"]["name"] for t in tools or []])
        if self.steps:
            return self._remember(FakeReplyStream(self.steps.pop(0), None))
        if self.refuse_with:
            raise ModelRefused(self.refuse_with)
        if self.fail_with:
            raise ModelUnavailable(self.fail_with)
        users = [m.content for m in prompt if m.role == "user"]
        content = f"reply to {users[-1]!r} (history {len(prompt) - 1})"
        size = max(1, -(-len(content) // self.pieces_per_reply))
        pieces: list[ModelPiece] = [content[i : i + size] for i in range(0, len(content), size)]
        pieces = list(self.script) if self.script is not None else pieces
        stream = FakeReplyStream(
            pieces,
            None
            if self.script is not None
            else ModelUsage(prompt_tokens=10 * len(prompt), completion_tokens=7),
            pause_seconds=self.pause_seconds,
            break_after=self.break_after,
        )
        return self._remember(stream)

    def _remember(self, stream: FakeReplyStream) -> FakeReplyStream:
        self.streams.append(stream)
        return stream


class ManualClock:
    """A clock the test moves by hand (leases, rate windows)."""

    def __init__(self, start_ms: int = 1_790_000_000_000) -> None:
        self.now = start_ms

    def __call__(self) -> int:
        return self.now

    def advance(self, ms: int) -> None:
        self.now += ms


class RepositoryWith:
    """The repository as it is, except for the methods a subclass overrides: a race
    interleaved by hand, an index's lag, a worker that dies, a call recorded."""

    def __init__(self, repo: Any) -> None:
        self._repo = repo

    def __getattr__(self, name: str) -> Any:
        return getattr(self._repo, name)


class LaggingIndex(RepositoryWith):
    """The repository, except that its listing index still lists one archived
    conversation as active, least recently active of all: DynamoDB's global indexes are
    eventually consistent, so just after an archive AWS may answer so (moto never does).
    """

    def __init__(self, repo: Any, sub: str, conversation_id: str) -> None:
        super().__init__(repo)
        self._sub, self._id = sub, conversation_id

    def active_conversations(
        self, sub: str, agent_type: str, limit: int
    ) -> list[ConversationRecord]:
        listed: list[ConversationRecord] = self._repo.active_conversations(sub, agent_type, limit)
        stale = self._repo.get_conversation(self._sub, self._id)
        if stale is None or any(c.id == self._id for c in listed):
            return listed
        return [replace(stale, status="active"), *listed][:limit]


def reserved_by(message: str = "a short message", **settings: Any) -> int:
    """The day's tokens a turn of the default agent type reserves at its claim (its worst
    case), under these settings: a budget of ``reserved_by() + n`` admits a first turn and
    leaves ``n`` for what it really spends."""
    from chat_core.agent.catalogue import default_agent
    from chat_core.services.token_reservation import reservation
    from chat_core.settings import Settings

    return reservation(default_agent(), Settings(table_name="chat-unit", **settings), message)
