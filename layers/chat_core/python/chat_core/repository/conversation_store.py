"""Conversations: reads of one (GetItem) and of the user's list (the listing index),
and every write of a conversation outside a turn, with the items each writes.

Every method is a fixed, small number of requests whatever the size of the data;
the turn's writes to a conversation are in turn_store.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chat_core.repository import keys
from chat_core.repository.claim_items import creation_items
from chat_core.repository.codec import conversation_from, from_item
from chat_core.repository.item_writes import ItemWrites
from chat_core.repository.records import ConversationRecord, Page
from chat_core.repository.refusals import Item
from chat_core.repository.table import Table
from chat_core.repository.transactions import NamedItem, transact, update_if

# The listing index (a GSI: its writes are billed once, after the transaction commits,
# where a local index's are billed twice inside it; docs/design.md "Data").
BY_ACTIVITY = "ByActivity"
# Items evaluated per further request while filtering by agent type.
_FILTERED_BATCH = 100
# Title search: conversations read per Query, and at most per search request (a page
# may then come back short, with a cursor to go on: the bound keeps one request's
# time and read units flat however many conversations the user keeps).
_SEARCH_BATCH = 100
_SEARCH_EXAMINED = 1000
_LISTING_KEY = ("PK", "SK", "ActivitySK")


class ConversationStore:
    def __init__(self, table: Table, writes: ItemWrites) -> None:
        self._table = table
        self._writes = writes

    def _listing(
        self,
        sub: str,
        status: str,
        *,
        limit: int,
        ascending: bool,
        start_key: dict[str, Any] | None,
        **extra: Any,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One Query of the listing index: one status's conversations in activity order
        (``extra``: a filter and its values), and where the next one would start."""
        return self._table.query_once(
            keys.user_pk(sub),
            ("ActivitySK", f"{status}#"),
            limit=limit,
            ascending=ascending,
            index=BY_ACTIVITY,
            start_key=start_key,
            **extra,
        )

    def _by_activity(
        self,
        sub: str,
        status: str,
        agent_type: str | None,
        want: int,
        *,
        ascending: bool,
        start_key: dict[str, object] | None = None,
    ) -> list[dict[str, Any]]:
        """Up to ``want`` conversations of one status from the listing index, in activity
        order, of one agent type if given.

        The agent type is a filter, not a key (a second index would bill every turn
        again), so a filtered read evaluates the user's other conversations of that
        status too and may take several requests: it costs what this user stores, never
        what other users do."""
        # A deleted conversation leaves the index when it is deleted; one stored with the
        # local-index layout may be keyed by the upgrade's migration for a moment, so
        # never shown.
        condition, values = "attribute_not_exists(deleted_ms)", {}
        if agent_type:
            condition, values = f"{condition} AND agent_type = :agent", {"agent": agent_type}
        rows: list[dict[str, Any]] = []
        cursor: dict[str, Any] | None = dict(start_key) if start_key else None
        limit = want  # first as if every item matched (one request when they do)
        while True:
            items, cursor = self._listing(
                sub,
                status,
                limit=limit,
                ascending=ascending,
                start_key=cursor,
                filter_values=values,
                FilterExpression=condition,
            )
            rows += items
            if len(rows) >= want or cursor is None:
                return rows[:want]
            limit = max(want - len(rows), _FILTERED_BATCH)

    def get_conversation(self, sub: str, conversation_id: str) -> ConversationRecord | None:
        """One strongly consistent GetItem; a soft-deleted conversation reads as absent."""
        values = self._table.get(keys.user_pk(sub), keys.conversation_sk(conversation_id))
        if values is None or "deleted_ms" in values:
            return None
        return conversation_from(values)

    def owner_of(self, conversation_id: str) -> str | None:
        """Only asked on the error path, to tell 403 (someone else's) from 404."""
        values = self._table.get(
            keys.ownership_pk(conversation_id), keys.OWNERSHIP_SK, consistent=False
        )
        return str(values["owner"]) if values else None

    def active_conversations(
        self, sub: str, agent_type: str, limit: int
    ) -> list[ConversationRecord]:
        """Active conversations of one agent type, least recently active first (the cap)."""
        rows = self._by_activity(sub, "active", agent_type, limit, ascending=True)
        return [conversation_from(r) for r in rows]

    def list_conversations(
        self,
        sub: str,
        *,
        status: str,
        agent_type: str | None,
        limit: int,
        start_key: dict[str, object] | None,
    ) -> Page[ConversationRecord]:
        """Most recent activity first, from the listing index (eventually consistent: a
        change shows in the list a fraction of a second after it is stored)."""
        return self._table.page(
            lambda n: (
                self._by_activity(sub, status, agent_type, n, ascending=False, start_key=start_key),
                None,  # it reads on until it has ``n`` or the list ends
            ),
            limit,
            _LISTING_KEY,
            conversation_from,
        )

    def search_conversations(
        self,
        sub: str,
        title_matches: Callable[[str], bool],
        *,
        limit: int,
        start_key: dict[str, object] | None,
    ) -> Page[ConversationRecord]:
        """Conversations whose title ``title_matches``: active ones, then archived ones,
        each most recent first, from the listing index.

        The match is the caller's (case- and accent-folding is beyond a
        FilterExpression), so this reads the user's conversations in batches and keeps
        the matches: the cost is what this user stores (a partition of their own),
        never what other users do, and at most _SEARCH_EXAMINED items per request."""
        found: list[dict[str, Any]] = []
        cursor: dict[str, Any] | None = dict(start_key) if start_key else None
        examined = 0
        resume_archived = cursor is not None and str(cursor["ActivitySK"]).startswith("archived#")
        for status in ("archived",) if resume_archived else ("active", "archived"):
            while True:
                items, cursor = self._listing(
                    sub, status, limit=_SEARCH_BATCH, ascending=False, start_key=cursor
                )
                for item in items:
                    examined += 1
                    if "deleted_ms" not in item and title_matches(str(item["title"])):
                        found.append(item)
                        if len(found) > limit:  # one more than a page: another page exists
                            return self._search_page(found[:limit])
                    if examined >= _SEARCH_EXAMINED:
                        return self._search_page(found, resume_after=item)
                if cursor is None:
                    break
        return Page(items=[conversation_from(r) for r in found], last_key=None)

    def _search_page(
        self, rows: list[dict[str, Any]], resume_after: dict[str, Any] | None = None
    ) -> Page[ConversationRecord]:
        """A page of matches and where the next request starts: after its last match,
        or after the last item examined when the request's budget ran out."""
        last = resume_after or rows[-1]
        return Page(
            items=[conversation_from(r) for r in rows],
            last_key={name: last[name] for name in _LISTING_KEY},
        )

    def create_conversation(
        self,
        sub: str,
        conv: ConversationRecord,
        archive: list[ConversationRecord],
        observed_active: int,
    ) -> None:
        """Conversation + ownership + cap archiving + counters, in one transaction."""
        items = creation_items(self._writes, sub, conv, conv.created_ms)
        items += self._joining_active(
            sub, conv.agent_type, archive, conv.created_ms, observed_active, created=True
        )
        transact(self._table.client, items)

    def update_conversation(
        self,
        sub: str,
        conversation_id: str,
        *,
        title: str | None,
        metadata: dict[str, str] | None,
        now: int,
    ) -> ConversationRecord | None:
        """Rename and/or replace metadata; None when there is no such live conversation."""
        # A title the user gives is theirs: a generated title never replaces it.
        changes = {"title": title, "title_by_user": True if title else None, "metadata": metadata}
        update = self._writes.conversations.rename(
            sub, conversation_id, now, {k: v for k, v in changes.items() if v is not None}
        )
        response = update_if(self._table.client, update, ReturnValues="ALL_NEW")
        return conversation_from(from_item(response["Attributes"])) if response else None

    def set_generated_title(self, sub: str, conversation_id: str, title: str) -> bool:
        """False when the user set a title first, or the conversation is gone."""
        update = self._writes.conversations.generated_title(sub, conversation_id, title)
        return update_if(self._table.client, update) is not None

    def change_status(
        self,
        sub: str,
        conv: ConversationRecord,
        status: str,
        now: int,
        archive: list[ConversationRecord],
        observed_active: int,
    ) -> None:
        """Archive or unarchive at the user's request: status, both index keys and the
        counters in one transaction. Unarchiving goes through the cap like a new
        conversation (``archive`` and ``observed_active`` from the cap's read);
        archiving is refused while a reply is being written, as the cap's is."""
        w = self._writes
        items: list[NamedItem]
        if status == "archived":
            items = [
                (Item.CONVERSATION, w.conversations.archive(sub, conv, now)),
                (Item.STATS, w.counters.stats(sub, conv.agent_type, active=-1, archived=1)),
            ]
        else:
            items = [
                (Item.CONVERSATION, w.conversations.unarchive(sub, conv)),
                *self._joining_active(
                    sub, conv.agent_type, archive, now, observed_active, created=False
                ),
            ]
        transact(self._table.client, items)

    def delete_conversation(self, sub: str, conv: ConversationRecord, now: int, ttl: int) -> None:
        """Soft delete: out of every list and read at once, counters moved, TTL purges.

        Conditioned on the message count it read, so the stats' message total stays
        exact even when a turn commits concurrently (then the caller re-reads).
        """
        active = conv.status == "active"
        stats = self._writes.counters.stats(
            sub,
            conv.agent_type,
            active=-1 if active else 0,
            archived=0 if active else -1,
            total=-1,
            messages=-conv.message_count,
            rated=(-conv.feedback_up, -conv.feedback_down),
        )
        transact(
            self._table.client,
            [
                (Item.CONVERSATION, self._writes.conversations.soft_delete(sub, conv, now, ttl)),
                (Item.OWNERSHIP, self._writes.conversations.expire_ownership(conv.id, ttl)),
                (Item.STATS, stats),
            ],
        )

    def deleted_conversation_of(self, stream_keys: Mapping[str, object]) -> tuple[str, str]:
        """(sub, conversation id) of a conversation item's keys, as its TTL deletion
        reaches the purge function through the table's stream."""
        return keys.parse_conversation_key(str(stream_keys["PK"]), str(stream_keys["SK"]))

    def _joining_active(
        self,
        sub: str,
        agent_type: str,
        archive: list[ConversationRecord],
        now: int,
        observed_active: int,
        *,
        created: bool,
    ) -> list[NamedItem]:
        """One more active conversation (a new one, or one coming back from the archive)
        under the cap: archive what the cap's read chose, and move the counters on the
        condition that the active count is still what that read saw."""
        stats = self._writes.counters.stats(
            sub,
            agent_type,
            active=1 - len(archive),
            archived=len(archive) - (0 if created else 1),
            total=1 if created else 0,
            observed_active=observed_active,
        )
        archived = [
            (Item.CAP, self._writes.conversations.archive(sub, old, now)) for old in archive
        ]
        return [*archived, (Item.STATS, stats)]
