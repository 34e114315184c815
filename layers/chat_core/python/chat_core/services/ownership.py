"""Reading a conversation on behalf of a caller, with the 403/404 distinction."""

from __future__ import annotations

from typing import NoReturn

from chat_core.errors import Forbidden, NotFound
from chat_core.repository.port import ConversationPort
from chat_core.repository.records import ConversationRecord


def require_conversation(
    repo: ConversationPort, sub: str, conversation_id: str
) -> ConversationRecord:
    """The caller's conversation, or 403 when it is someone else's, or 404.

    The caller's own keys are read first (one GetItem); only a miss pays for the
    ownership record, so the common path costs one request.
    """
    conversation = repo.get_conversation(sub, conversation_id)
    if conversation is not None:
        return conversation
    raise_missing(repo, sub, conversation_id)


def raise_missing(repo: ConversationPort, sub: str, conversation_id: str) -> NoReturn:
    owner = repo.owner_of(conversation_id)
    if owner is not None and owner != sub:
        raise Forbidden()
    raise NotFound()
