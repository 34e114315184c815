"""A chat turn whose worker is this process: the chat function's ChatTurn wired to a
TurnRunner through the in-process dispatcher, as unit tests and benchmarks need it
(in AWS the two halves are separate functions; wiring.py builds each alone)."""

from __future__ import annotations

from collections.abc import Callable

from chat_core.agent.model_port import ChatModel
from chat_core.clock import now_ms
from chat_core.ids import new_id
from chat_core.live.connections import ConnectionPoster
from chat_core.models import ChatRequest
from chat_core.repository.port import ChatRepository
from chat_core.services.chat import ChatTurn
from chat_core.services.dispatch import InProcessDispatcher, TurnDispatcher
from chat_core.services.retry_policy import LOST_RACES, RetryPolicy
from chat_core.services.title_dispatch import TitleRequest, TitlingTurnRunner
from chat_core.services.turn_runner import TurnOutcome, TurnRunner
from chat_core.settings import Settings


class InProcessTurn(ChatTurn):
    """Both halves of a turn in one object: ``runner`` is the worker's half."""

    def __init__(
        self,
        repo: ChatRepository,
        model: ChatModel,
        settings: Settings,
        *,
        dispatcher: TurnDispatcher | None = None,
        poster: ConnectionPoster | None = None,
        clock: Callable[[], int] = now_ms,
        ids: Callable[[], str] = new_id,
        retry: RetryPolicy = LOST_RACES,
        request_title: TitleRequest | None = None,
    ) -> None:
        self.runner = (
            TurnRunner(repo, model, settings, poster, clock, ids, retry=retry)
            if request_title is None
            else TitlingTurnRunner(
                repo, model, settings, poster, clock, ids, retry=retry, request_title=request_title
            )
        )
        super().__init__(
            repo,
            settings,
            dispatcher or InProcessDispatcher(self.runner),
            clock=clock,
            ids=ids,
            retry=retry,
        )

    def run(self, sub: str, request: ChatRequest) -> TurnOutcome:
        """A whole turn: claim, then generate, in this process."""
        return self.runner.run(self.start(sub, request))
