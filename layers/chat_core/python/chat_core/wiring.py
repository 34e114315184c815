"""Builds the per-process services once (Lambda re-uses a warm process).

Imports are local to each builder so a function only loads what it uses: the
``health`` and ``agents`` functions never import boto3's DynamoDB code or openai.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chat_core.settings import (
    ActionLimits,
    AuthSettings,
    ConversationLimits,
    CursorSettings,
    DispatchSettings,
    GenerationSettings,
    IdempotencySettings,
    LiveSettings,
    ModelChoice,
    ModelClient,
    Section,
    Settings,
    TableSettings,
    ToolSettings,
    TurnBudgets,
    get_settings,
)

if TYPE_CHECKING:
    from chat_core.live.connections import ConnectionManager
    from chat_core.repository.dynamodb import DynamoChatRepository
    from chat_core.services.action_budget import ActionBudget
    from chat_core.services.chat import ChatTurn
    from chat_core.services.conversation_reader import ConversationReader
    from chat_core.services.conversations import ConversationService
    from chat_core.services.feedback import FeedbackService
    from chat_core.services.idempotent_chat import IdempotentChat
    from chat_core.services.live_connections import LiveConnections
    from chat_core.services.pagination import CursorCodec
    from chat_core.services.rewrites import Rewrites
    from chat_core.services.search import ConversationSearch
    from chat_core.services.stop_turn import StopTurn
    from chat_core.services.title_dispatch import TitleRequest
    from chat_core.services.title_generator import TitleGenerator
    from chat_core.services.turn_runner import TurnRunner


_CLAIMS = (TableSettings, ConversationLimits, TurnBudgets, ModelChoice, DispatchSettings)
# The settings sections each builder's services read: a function that uses a builder
# declares at least these (tests/unit/test_function_settings.py).
NEEDS: dict[str, tuple[type[Section], ...]] = {
    "repository": (TableSettings,),
    "spend_action": (TableSettings, ActionLimits),
    "turn_runner": (
        TableSettings,
        TurnBudgets,
        ModelChoice,
        ModelClient,
        GenerationSettings,
        LiveSettings,
        ToolSettings,
    ),
    "title_generator": (TableSettings, ModelChoice, ModelClient, LiveSettings),
    # A route that pages declares CursorSettings too: its cursors are sealed with the
    # key CURSOR_SECRET_ID names (read on first use, so routes that never page don't).
    "conversation_reader": (TableSettings,),
    "conversation_service": (TableSettings, ConversationLimits),
    "conversation_search": (TableSettings, CursorSettings),
    "feedback_service": (TableSettings, ConversationLimits),
    "rewrites": _CLAIMS,
    "idempotent_chat": (*_CLAIMS, IdempotencySettings),
    "live_connections": (TableSettings, LiveSettings),
    "stop_turn": (TableSettings,),
    "jwt_verifier": (AuthSettings,),
}


@lru_cache(maxsize=1)
def repository() -> DynamoChatRepository:
    from chat_core.repository.dynamodb import DynamoChatRepository

    return DynamoChatRepository(get_settings().table_name)


@lru_cache(maxsize=1)
def action_budget() -> ActionBudget:
    from chat_core.repository.action_counters import ActionCounters
    from chat_core.services.action_budget import ActionBudget

    settings = get_settings()
    return ActionBudget(ActionCounters(settings.table_name, repository().client), settings)


def spend_action(sub: str) -> None:
    """What a route that writes or scans spends before it runs (RateLimited when spent)."""
    action_budget().spend(sub)


@lru_cache(maxsize=1)
def cursor_codec() -> CursorCodec:
    from chat_core.services.pagination import CursorCodec

    settings = get_settings()
    secret_id = settings.cursor_secret_id
    if not secret_id:
        return CursorCodec(settings.cursor_signing_key)

    def from_secrets_manager() -> str:
        from aws_lambda_powertools.utilities.parameters import get_secret

        return str(get_secret(secret_id, max_age=3600))  # cached per instance

    return CursorCodec(from_secrets_manager)


@lru_cache(maxsize=1)
def turn_runner() -> TurnRunner:
    """The worker's half of a turn: model, live events, the reply's storage."""
    from chat_core.agent.model import OpenAIChatModel
    from chat_core.services.title_dispatch import TitlingTurnRunner
    from chat_core.services.turn_runner import TurnRunner

    settings = get_settings()
    model, poster = OpenAIChatModel(settings), _poster(settings)
    request_title = _title_requests(settings)
    if request_title is None:
        return TurnRunner(repository(), model, settings, poster)
    return TitlingTurnRunner(repository(), model, settings, poster, request_title=request_title)


def _poster(settings: Settings) -> ConnectionManager:
    from chat_core.live.connections import ManagementApiPoster, NoConnections

    url = settings.websocket_management_url
    return ManagementApiPoster(url) if url else NoConnections()


def _title_requests(settings: Settings) -> TitleRequest | None:
    from chat_core.services import title_dispatch

    if not settings.generate_titles:
        return None
    if settings.title_worker_function:
        return title_dispatch.lambda_event(settings.title_worker_function)
    return title_dispatch.in_process(title_generator())


@lru_cache(maxsize=1)
def title_generator() -> TitleGenerator:
    """The title worker's service: the model, the table, the clients' connections."""
    from chat_core.agent.model import OpenAIChatModel
    from chat_core.services.title_generator import TitleGenerator

    settings = get_settings()
    return TitleGenerator(repository(), OpenAIChatModel(settings), _poster(settings))


@lru_cache(maxsize=1)
def chat_turn() -> ChatTurn:
    """The chat function's half: validate, claim, hand the turn to the worker.

    With a worker (AWS) the model client is never even imported here."""
    from chat_core.services.chat import ChatTurn
    from chat_core.services.dispatch import InProcessDispatcher, LambdaDispatcher, TurnDispatcher

    settings = get_settings()
    if settings.turn_worker_function:
        dispatcher: TurnDispatcher = LambdaDispatcher(
            settings.turn_worker_function, settings.json_reply_wait_seconds
        )
    else:
        dispatcher = InProcessDispatcher(turn_runner())
    return ChatTurn(repository(), settings, dispatcher)


@lru_cache(maxsize=1)
def conversation_reader() -> ConversationReader:
    from chat_core.services.conversation_reader import ConversationReader

    return ConversationReader(repository(), cursor_codec())


@lru_cache(maxsize=1)
def conversation_service() -> ConversationService:
    from chat_core.services.conversations import ConversationService

    settings = get_settings()
    return ConversationService(repository(), cursor_codec(), settings)


@lru_cache(maxsize=1)
def conversation_search() -> ConversationSearch:
    from chat_core.services.search import ConversationSearch

    return ConversationSearch(repository(), cursor_codec())


@lru_cache(maxsize=1)
def feedback_service() -> FeedbackService:
    from chat_core.services.feedback import FeedbackService

    return FeedbackService(repository(), get_settings())


@lru_cache(maxsize=1)
def rewrites() -> Rewrites:
    from chat_core.services.rewrites import Rewrites

    return Rewrites(chat_turn(), repository())


@lru_cache(maxsize=1)
def idempotent_chat() -> IdempotentChat:
    from chat_core.services.idempotent_chat import IdempotentChat

    return IdempotentChat(chat_turn(), repository(), get_settings())


@lru_cache(maxsize=1)
def live_connections() -> LiveConnections:
    from chat_core.services.live_connections import LiveConnections

    return LiveConnections(repository(), _poster(get_settings()))


@lru_cache(maxsize=1)
def stop_turn() -> StopTurn:
    from chat_core.services.stop_turn import StopTurn

    return StopTurn(repository())


@lru_cache(maxsize=1)
def jwt_verifier() -> Callable[[str], dict[str, Any]]:
    """Verifies a token exactly as the HTTP API's JWT authorizer (issuer, audience, RS256)."""
    from chat_core.auth.jwt_verifier import AuthorizerConfig, JwksCache, verify

    settings = get_settings()
    issuer = settings.jwt_issuer or ""
    config = AuthorizerConfig(
        issuer=issuer,
        audiences=tuple(a for a in (settings.jwt_audience or "").split(",") if a),
    )
    keys = JwksCache(issuer)
    return lambda token: verify(token, config, keys)


def reset() -> None:
    """Forget every built service and the settings (tests change the environment)."""
    get_settings.cache_clear()
    for builder in (
        repository,
        cursor_codec,
        turn_runner,
        title_generator,
        chat_turn,
        conversation_reader,
        conversation_service,
        feedback_service,
        conversation_search,
        idempotent_chat,
        rewrites,
        live_connections,
        stop_turn,
        jwt_verifier,
    ):
        builder.cache_clear()
