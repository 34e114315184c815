"""Handing a conversation to the title generator without waiting for it.

In AWS (and in the local stack, which emulates Lambda's Invoke API) that is the
title worker function, invoked asynchronously (InvocationType Event): the turn
worker returns as soon as the reply is stored. Without a title worker (unit tests)
the title is generated on a thread of this process.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from chat_core.observability import logger
from chat_core.services.title_generator import TitleGenerator
from chat_core.services.turn_runner import StartedTurn, TurnOutcome, TurnRunner

# What the turn worker calls after a conversation's first reply: (sub, conversation id).
TitleRequest = Callable[[str, str], None]


class TitlingTurnRunner(TurnRunner):
    """A turn runner that, once a conversation's first reply is stored and sent, asks
    for its generated title: after the turn, never for a title the user chose, and a
    request that fails does not fail the turn."""

    def __init__(self, *args: Any, request_title: TitleRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._request_title = request_title

    def run(self, started: StartedTurn) -> TurnOutcome:
        outcome = super().run(started)
        claim, reply = started.claim, outcome.response.reply
        if reply.seq == 2 and reply.content and not claim.conversation.title_by_user:
            try:
                self._request_title(claim.sub, claim.conversation.id)
            except Exception:  # the turn is done; a missing title is no reason to fail it
                logger.exception("could not ask for a title")
        return outcome


def in_process(generator: TitleGenerator) -> TitleRequest:
    def request(sub: str, conversation_id: str) -> None:
        threading.Thread(
            target=_quietly, args=(generator, sub, conversation_id), daemon=True
        ).start()

    return request


def _quietly(generator: TitleGenerator, sub: str, conversation_id: str) -> None:
    try:
        generator.run(sub, conversation_id)
    except Exception:
        logger.exception("title generation failed")


def lambda_event(function_name: str, client: Any | None = None) -> TitleRequest:
    """An asynchronous Invoke of the title worker; never retried (Lambda queues it)."""
    if client is None:
        from chat_core.services.dispatch import no_retry_lambda_client

        client = no_retry_lambda_client()

    def request(sub: str, conversation_id: str) -> None:
        client.invoke(
            FunctionName=function_name,
            InvocationType="Event",
            Payload=json.dumps({"sub": sub, "conversation_id": conversation_id}).encode(),
        )

    return request
