"""Builds the per-process services once (Lambda re-uses a warm process).

Imports are local to each builder so a function only loads what it uses: the
``health`` and ``agents`` functions never import boto3's DynamoDB code or openai.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from chat_core.settings import get_settings

if TYPE_CHECKING:
    from chat_core.repository.cursor import CursorCodec
    from chat_core.repository.dynamodb import DynamoChatRepository
    from chat_core.services.chat import ChatTurn
    from chat_core.services.conversations import ConversationReader
    from chat_core.services.idempotent_chat import IdempotentChat
    from chat_core.services.sidebar import Sidebar


@lru_cache(maxsize=1)
def repository() -> DynamoChatRepository:
    from chat_core.repository.dynamodb import DynamoChatRepository

    return DynamoChatRepository(get_settings().table_name)


@lru_cache(maxsize=1)
def cursor_codec() -> CursorCodec:
    from chat_core.repository.cursor import CursorCodec

    return CursorCodec(get_settings().cursor_signing_key)


@lru_cache(maxsize=1)
def chat_turn() -> ChatTurn:
    from chat_core.agent.model import OpenAIChatModel
    from chat_core.services.chat import ChatTurn

    settings = get_settings()
    return ChatTurn(repository(), OpenAIChatModel(settings), settings)


@lru_cache(maxsize=1)
def conversation_reader() -> ConversationReader:
    from chat_core.services.conversations import ConversationReader

    return ConversationReader(repository(), cursor_codec())


@lru_cache(maxsize=1)
def sidebar() -> Sidebar:
    from chat_core.services.sidebar import Sidebar

    settings = get_settings()
    return Sidebar(repository(), cursor_codec(), settings)


@lru_cache(maxsize=1)
def idempotent_chat() -> IdempotentChat:
    from chat_core.services.idempotent_chat import IdempotentChat

    return IdempotentChat(chat_turn(), get_settings())


def reset() -> None:
    """Forget every built service and the settings (tests change the environment)."""
    get_settings.cache_clear()
    for builder in (
        repository,
        cursor_codec,
        chat_turn,
        conversation_reader,
        sidebar,
        idempotent_chat,
    ):
        builder.cache_clear()
