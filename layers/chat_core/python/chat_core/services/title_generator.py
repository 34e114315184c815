"""A conversation's title written by the model, after its first reply, off the turn's path.

The turn worker asks for it once the first reply is stored and the clients told
(services/dispatch.py hands it to the title worker function, asynchronously), so the
turn's latency does not grow. The title replaces the one cut from the first message
unless the user chose a title, before or meanwhile; the clients hear of it through a
``conversation.titled`` event. A failure only leaves the first message's title.
"""

from __future__ import annotations

from chat_core.agent.model_port import ChatModel, ModelUnavailable
from chat_core.agent.text import well_formed
from chat_core.agent.titling import TITLE_AGENT, clean_title, title_prompt
from chat_core.live.connections import ConnectionPoster
from chat_core.live.events import ConversationTitled
from chat_core.live.relay import LiveRelay
from chat_core.observability import logger
from chat_core.repository.port import ChatRepository
from chat_core.services.titles import DEFAULT_TITLE, title_for, title_from_message


class TitleGenerator:
    def __init__(self, repo: ChatRepository, model: ChatModel, poster: ConnectionPoster) -> None:
        self._repo = repo
        self._model = model
        self._poster = poster

    def run(self, sub: str, conversation_id: str) -> str | None:
        """The title stored, or None when none was (the reason is logged).

        Costs a GetItem, a Query of two messages, one model call, one conditional
        UpdateItem and one Query of the user's connections."""
        conversation = self._repo.get_conversation(sub, conversation_id)
        if conversation is None or conversation.title_by_user:
            return None
        first = self._repo.page_messages(
            sub, conversation_id, limit=2, ascending=True, start_key=None
        ).items
        if len(first) < 2 or not first[1].content:
            return None  # no reply yet (it failed): the next first reply asks again
        if conversation.title not in (DEFAULT_TITLE, title_for(first[0].content)):
            return None  # a title someone chose (before title_by_user was recorded)
        title = self._ask(first[0].content, first[1].content)
        if not title or title == conversation.title:
            return None
        if not self._repo.set_generated_title(sub, conversation_id, title):
            logger.info("title kept: the user chose one", extra={"id": conversation_id})
            return None
        self._tell_clients(sub, ConversationTitled(conversation_id=conversation_id, title=title))
        return title

    def _ask(self, message: str, reply: str) -> str:
        try:
            stream = self._model.stream(TITLE_AGENT, title_prompt(message, reply))
            # Joined and made well formed as a reply's text is (agent/text.py): an emoji
            # split in two chunks must not break the title's event or its write.
            answer = well_formed("".join(piece for piece in stream if isinstance(piece, str)))
        except ModelUnavailable as exc:
            logger.warning("no title: the model failed", extra={"reason": exc.reason})
            return ""
        return title_from_message(clean_title(answer))

    def _tell_clients(self, sub: str, event: ConversationTitled) -> None:
        LiveRelay(self._repo, self._poster, sub).announce(event)
