"""The table's reads: every one a GetItem or one bounded Query on a key.

Half of the access patterns (docs/design.md "Data"); the writes, which compose the
item writes of item_writes.py into transactions, are in dynamodb.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from chat_core.repository import keys
from chat_core.repository.codec import (
    conversation_from,
    expression_values,
    from_item,
    message_from,
    message_version_from,
    message_version_sk,
    stats_from,
    to_item,
)
from chat_core.repository.port import FailedRequest, LiveState
from chat_core.repository.records import (
    ConversationRecord,
    MessageRecord,
    MessageVersion,
    Page,
    StatsRecord,
)
from chat_core.repository.transactions import FaultTranslatingClient, make_client

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

R = TypeVar("R")


class TableReads:
    """Reads of the chat table; the repository (dynamodb.py) adds the writes."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = FaultTranslatingClient(client or make_client())

    def _get(self, pk: str, sk: str, *, consistent: bool = True) -> dict[str, Any] | None:
        """One GetItem by key: the item's plain values, or None."""
        response = self.client.get_item(
            TableName=self.table, Key=to_item({"PK": pk, "SK": sk}), ConsistentRead=consistent
        )
        item = response.get("Item")
        return from_item(item) if item else None

    def _query(
        self,
        pk: str,
        sort_key: tuple[str, str],
        *,
        limit: int | None,
        ascending: bool = True,
        index: str | None = None,
        start_key: dict[str, object] | None = None,
        **extra: Any,
    ) -> list[dict[str, Any]]:
        """Up to ``limit`` items of a partition by sort-key prefix (``sort_key`` =
        attribute, prefix): one Query, or more when DynamoDB stops one at its 1 MB limit
        (then its LastEvaluatedKey is where the next one starts), so nothing is left out."""
        items: list[dict[str, Any]] = []
        cursor = start_key
        while True:
            batch, cursor = self._query_once(
                pk,
                sort_key,
                limit=None if limit is None else limit - len(items),
                ascending=ascending,
                index=index,
                start_key=cursor,
                **extra,
            )
            items += batch
            if cursor is None or (limit is not None and len(items) >= limit):
                return items

    def _query_once(
        self,
        pk: str,
        sort_key: tuple[str, str],
        *,
        limit: int | None,
        ascending: bool,
        index: str | None,
        start_key: dict[str, Any] | None,
        filter_values: dict[str, Any] | None = None,
        **extra: Any,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """The items of one Query request and where the next request would start
        (``filter_values``: the values a FilterExpression in ``extra`` names)."""
        attribute, prefix = sort_key
        params: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": f"PK = :pk AND begins_with({attribute}, :prefix)",
            "ExpressionAttributeValues": expression_values(
                pk=pk, prefix=prefix, **(filter_values or {})
            ),
            "ScanIndexForward": ascending,
            **extra,
        }
        if limit is not None:
            params["Limit"] = limit
        if index:
            params["IndexName"] = index
        if start_key:
            params["ExclusiveStartKey"] = to_item(dict(start_key))
        response = self.client.query(**params)
        last = response.get("LastEvaluatedKey")
        return [from_item(i) for i in response.get("Items", [])], from_item(last) if last else None

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
        return self._query_once(
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

    def _page(
        self,
        read: Callable[[int], tuple[list[dict[str, Any]], dict[str, Any] | None]],
        limit: int,
        key_names: tuple[str, ...],
        record: Callable[[dict[str, Any]], R],
    ) -> Page[R]:
        """One item more than asked tells whether another page exists, so the last page
        never hands out a cursor to an empty page. A read that DynamoDB stopped at its
        1 MB limit (it says where it stopped) is a short page that still carries a
        cursor: a page of long messages is never cut silently, and one answer stays
        near 1 MB however long the messages are."""
        rows, stopped_at = read(limit + 1)
        last_key = None
        if len(rows) > limit:
            last_key = {name: rows[limit - 1][name] for name in key_names}
        elif stopped_at is not None:
            last_key = {name: stopped_at[name] for name in key_names}
        return Page(items=[record(r) for r in rows[:limit]], last_key=last_key)

    def get_conversation(self, sub: str, conversation_id: str) -> ConversationRecord | None:
        """One strongly consistent GetItem; a soft-deleted conversation reads as absent."""
        values = self._get(keys.user_pk(sub), keys.conversation_sk(conversation_id))
        if values is None or "deleted_ms" in values:
            return None
        return conversation_from(values)

    def owner_of(self, conversation_id: str) -> str | None:
        """Only asked on the error path, to tell 403 (someone else's) from 404."""
        values = self._get(keys.ownership_pk(conversation_id), keys.OWNERSHIP_SK, consistent=False)
        return str(values["owner"]) if values else None

    def active_conversations(
        self, sub: str, agent_type: str, limit: int
    ) -> list[ConversationRecord]:
        """Active conversations of one agent type, least recently active first (the cap)."""
        rows = self._by_activity(sub, "active", agent_type, limit, ascending=True)
        return [conversation_from(r) for r in rows]

    def _messages(
        self, sub: str, conversation_id: str, limit: int, *, versions: bool = False
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One Query of the messages, newest first, or (``versions``) of the superseded
        versions, and where the next would start."""
        return self._query_once(
            keys.messages_pk(sub, conversation_id),
            ("SK", keys.VERSION_PREFIX if versions else "MSG#"),
            limit=limit,
            ascending=False,
            index=None,
            start_key=None,
            ConsistentRead=True,
        )

    def latest_messages(self, sub: str, conversation_id: str, limit: int) -> list[MessageRecord]:
        """The newest messages, newest first, up to ``limit``: one Query, so at most 1 MB
        of them (the history window needs far less; a conversation's view pages back for
        the rest), and an answer stays far under Lambda's 6 MB whatever their length."""
        return [message_from(r) for r in self._messages(sub, conversation_id, limit)[0]]

    def page_messages(
        self,
        sub: str,
        conversation_id: str,
        *,
        limit: int,
        ascending: bool,
        start_key: dict[str, object] | None,
    ) -> Page[MessageRecord]:
        return self._page(
            lambda n: self._query_once(
                keys.messages_pk(sub, conversation_id),
                ("SK", "MSG#"),
                limit=n,
                ascending=ascending,
                index=None,
                start_key=start_key,
                ConsistentRead=True,
            ),
            limit,
            ("PK", "SK"),
            message_from,
        )

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
        return self._page(
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

    def failed_request(self, sub: str, request_key: str) -> FailedRequest | None:
        """The failed turn a retry with this Idempotency-Key answers (one GetItem)."""
        values = self._get(keys.user_pk(sub), keys.failed_request_sk(request_key))
        if values is None:
            return None
        return FailedRequest(str(values["conversation_id"]), int(values["seq"]))

    def get_message(self, sub: str, conversation_id: str, seq: int) -> MessageRecord | None:
        values = self._get(keys.messages_pk(sub, conversation_id), keys.message_sk(seq))
        return message_from(values) if values else None

    def get_message_version(
        self, sub: str, conversation_id: str, message: MessageRecord, version: int
    ) -> MessageVersion | None:
        """A superseded version of ``message`` (one GetItem); a reply's are numbered
        among those answering the user message's current text."""
        values = self._get(
            keys.messages_pk(sub, conversation_id), message_version_sk(message, version)
        )
        return message_version_from(values) if values else None

    def get_stats(self, sub: str) -> StatsRecord:
        """The user's counters: one GetItem (missing counters read as zero)."""
        return stats_from(self._get(keys.user_pk(sub), keys.STATS_SK) or {})

    # ------------------------------------------------------------------ live items
    def connections_of(self, sub: str) -> list[str]:
        """The user's open connections, oldest first: one eventually consistent Query
        of their live items (a few bytes each)."""
        rows = self._query(
            keys.user_pk(sub),
            ("SK", keys.LIVE_CONNECTION_PREFIX),
            limit=None,
            ProjectionExpression="SK, connected_ms",
        )
        rows.sort(key=lambda r: int(r.get("connected_ms", 0)))
        return [str(r["SK"]).removeprefix(keys.LIVE_CONNECTION_PREFIX) for r in rows]

    def live_state(self, sub: str) -> LiveState:
        """The user's open connections and Stop requests: one eventually consistent Query.

        A running turn asks this every LIVE_POLL_SECONDS; the items are tiny, so each
        poll is 0.5 read units. Eventual consistency only delays a rejoin or a Stop by
        a poll or so.
        """
        rows = self._query(
            keys.user_pk(sub), ("SK", keys.LIVE_PREFIX), limit=None, ProjectionExpression="SK"
        )
        sort_keys = [str(r["SK"]) for r in rows]

        def ids(prefix: str) -> frozenset[str]:
            return frozenset(k.removeprefix(prefix) for k in sort_keys if k.startswith(prefix))

        return LiveState(
            connections=ids(keys.LIVE_CONNECTION_PREFIX),
            stop_requested=ids(keys.LIVE_STOP_PREFIX),
        )
