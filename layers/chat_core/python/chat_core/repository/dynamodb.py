"""DynamoDB implementation of the storage port (one table, see docs/design.md "Data").

Every method is a fixed, small number of requests whatever the size of the data:
reads are GetItem or a bounded Query on a key, writes are single transactions whose
conditions keep ``seq`` contiguous, the turn lease exclusive and counters exact.
"""

from __future__ import annotations

import random
import time
from dataclasses import replace
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chat_core.clock import DAY_MS, MINUTE_MS
from chat_core.repository import keys
from chat_core.repository.faults import TRANSIENT_CODES, StorageFault
from chat_core.repository.port import (
    ClaimRejected,
    FailedRequest,
    LiveState,
    TurnClaim,
    TurnLost,
    TurnResult,
)
from chat_core.repository.records import ConversationRecord, MessageRecord, Page

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

BY_STATUS_ACTIVITY = "ByStatusActivity"
BY_AGENT_STATUS_ACTIVITY = "ByAgentStatusActivity"
RATE_TTL_SECONDS = 2 * 86400
RETRY_TTL_SECONDS = 86400  # as long as an Idempotency-Key is remembered (by default)
CONFLICT_ATTEMPTS = 6


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _values(**values: Any) -> dict[str, Any]:
    return {f":{k}": _serializer.serialize(v) for k, v in values.items()}


def make_client() -> Any:
    """A DynamoDB client honouring AWS_ENDPOINT_URL_DYNAMODB (DynamoDB Local) by itself.

    Short timeouts and a few standard retries: a turn has a 29 s budget and most of
    it belongs to the model.
    """
    return boto3.client(
        "dynamodb",
        config=Config(
            connect_timeout=2,
            read_timeout=5,
            retries={"max_attempts": 3, "mode": "standard"},
        ),
    )


def conversation_from(values: dict[str, Any]) -> ConversationRecord:
    return ConversationRecord(
        id=values["id"],
        owner=values["owner"],
        title=values["title"],
        agent_type=values["agent_type"],
        status=values["status"],
        created_ms=values["created_ms"],
        updated_ms=values["updated_ms"],
        last_message_ms=values.get("last_message_ms"),
        message_count=values.get("message_count", 0),
        metadata=values.get("metadata", {}),
        turn_id=values.get("turn_id"),
        turn_lease_until=values.get("turn_lease_until"),
        turn_seq=values.get("turn_seq"),
    )


def message_from(values: dict[str, Any]) -> MessageRecord:
    return MessageRecord(
        id=values["id"],
        conversation_id=values["conversation_id"],
        seq=values["seq"],
        role=values["role"],
        content=values["content"],
        created_ms=values["created_ms"],
        status=values.get("status", "ok"),
        tokens=values.get("tokens", 0),
    )


def conversation_item(sub: str, conv: ConversationRecord) -> dict[str, Any]:
    return to_item(
        {
            "PK": keys.user_pk(sub),
            "SK": keys.conversation_sk(conv.id),
            "type": "conversation",
            "id": conv.id,
            "owner": sub,
            "title": conv.title,
            "agent_type": conv.agent_type,
            "status": conv.status,
            "created_ms": conv.created_ms,
            "updated_ms": conv.updated_ms,
            "last_message_ms": conv.last_message_ms,
            "message_count": conv.message_count,
            "metadata": conv.metadata,
            "turn_id": conv.turn_id,
            "turn_lease_until": conv.turn_lease_until,
            "turn_seq": conv.message_count if conv.turn_id else None,
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "LSI1SK": keys.status_activity_key(conv.status, conv.activity_ms, conv.id),
            "LSI2SK": keys.agent_status_activity_key(
                conv.agent_type, conv.status, conv.activity_ms, conv.id
            ),
        }
    )


def message_item(sub: str, msg: MessageRecord) -> dict[str, Any]:
    return to_item(
        {
            "PK": keys.messages_pk(sub, msg.conversation_id),
            "SK": keys.message_sk(msg.seq),
            "type": "message",
            "id": msg.id,
            "conversation_id": msg.conversation_id,
            "seq": msg.seq,
            "role": msg.role,
            "content": msg.content,
            "created_ms": msg.created_ms,
            "status": msg.status,
            "tokens": msg.tokens,
        }
    )


# Outcomes the repository handles itself (a refused condition is not a fault).
_CONDITION_CODES = frozenset({"TransactionCanceledException", "ConditionalCheckFailedException"})


class _FaultTranslatingClient:
    """Wraps a boto3 client so storage failures reach the services as StorageFault."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return attribute(*args, **kwargs)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code in _CONDITION_CODES:
                    raise
                raise StorageFault(code, transient=code in TRANSIENT_CODES) from exc
            except BotoCoreError as exc:
                raise StorageFault(type(exc).__name__, transient=True) from exc

        return call


class DynamoChatRepository:
    """The table behind the API; safe to share across threads and invocations."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = table_name
        self.client = _FaultTranslatingClient(client or make_client())

    # ------------------------------------------------------------------ reads
    def _get(self, pk: str, sk: str, *, consistent: bool = True) -> dict[str, Any] | None:
        """One GetItem by key: the item's plain values, or None."""
        response = self.client.get_item(
            TableName=self.table, Key=to_item({"PK": pk, "SK": sk}), ConsistentRead=consistent
        )
        item = response.get("Item")
        return from_item(item) if item else None

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
        response = self.client.query(
            TableName=self.table,
            IndexName=BY_AGENT_STATUS_ACTIVITY,
            KeyConditionExpression="PK = :pk AND begins_with(LSI2SK, :prefix)",
            ExpressionAttributeValues=_values(pk=keys.user_pk(sub), prefix=f"{agent_type}#active#"),
            ScanIndexForward=True,
            ConsistentRead=True,
            Limit=limit,
        )
        return [conversation_from(from_item(i)) for i in response.get("Items", [])]

    def latest_messages(self, sub: str, conversation_id: str, limit: int) -> list[MessageRecord]:
        """The newest ``limit`` messages, newest first: the history window's one Query."""
        raw = self._query_messages(sub, conversation_id, limit, ascending=False, start_key=None)
        return [message_from(from_item(i)) for i in raw]

    def page_messages(
        self,
        sub: str,
        conversation_id: str,
        *,
        limit: int,
        ascending: bool,
        start_key: dict[str, object] | None,
    ) -> Page[MessageRecord]:
        # One item more than asked tells whether another page exists, so the last
        # page never hands out a cursor to an empty page.
        raw = self._query_messages(sub, conversation_id, limit + 1, ascending, start_key)
        items = [message_from(from_item(i)) for i in raw[:limit]]
        last_key = None
        if len(raw) > limit:
            last = from_item(raw[limit - 1])
            last_key = {"PK": last["PK"], "SK": last["SK"]}
        return Page(items=items, last_key=last_key)

    def _query_messages(
        self,
        sub: str,
        conversation_id: str,
        limit: int,
        ascending: bool,
        start_key: dict[str, object] | None,
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": _values(
                pk=keys.messages_pk(sub, conversation_id), prefix="MSG#"
            ),
            "ScanIndexForward": ascending,
            "ConsistentRead": True,
            "Limit": limit,
        }
        if start_key:
            params["ExclusiveStartKey"] = to_item(dict(start_key))
        items: list[dict[str, Any]] = self.client.query(**params).get("Items", [])
        return items

    # ------------------------------------------------------------------ turn writes
    def begin_turn(self, claim: TurnClaim) -> None:
        """Transaction 1: claim the turn, store the user message, spend the rate budget.

        Raises ClaimRejected naming the first failed condition, so the service can
        answer 409/429/404 or retry without another read.
        """
        self._transact(self._claim_items(claim))

    def finish_turn(self, claim: TurnClaim, result: TurnResult, now: int) -> ConversationRecord:
        """Transaction 2: store the reply, release the lease, bump every counter."""
        sub, conv, reply = claim.sub, claim.conversation, result.reply
        user_key = keys.user_pk(sub)
        tokens = {"pt": result.prompt_tokens, "ct": result.completion_tokens}
        items = [
            ("message", self._put(message_item(sub, reply))),
            (
                "conversation",
                self._update(
                    {"PK": user_key, "SK": keys.conversation_sk(conv.id)},
                    "SET message_count = :count, last_message_ms = :now, updated_ms = :now, "
                    "LSI1SK = :lsi1, LSI2SK = :lsi2 ADD prompt_tokens :pt, completion_tokens :ct "
                    "REMOVE turn_id, turn_lease_until, turn_seq",
                    condition="turn_id = :tid AND attribute_not_exists(deleted_ms)",
                    values={
                        "tid": claim.turn_id,
                        "count": reply.seq,
                        "now": now,
                        **_activity_keys(conv, "active", now),
                        **tokens,
                    },
                ),
            ),
            (
                "stats",
                self._update(
                    {"PK": user_key, "SK": keys.STATS_SK},
                    "ADD messages :one, prompt_tokens :pt, completion_tokens :ct",
                    values={"one": 1, **tokens},
                ),
            ),
            (
                "rate_day",
                self._update(
                    {"PK": user_key, "SK": keys.day_rate_sk(now // DAY_MS)},
                    "ADD tokens :t SET #ttl = :ttl",
                    names={"#ttl": "ttl"},
                    values={"t": sum(tokens.values()), "ttl": now // 1000 + RATE_TTL_SECONDS},
                ),
            ),
        ]
        try:
            self._transact(items)
        except ClaimRejected as exc:
            if exc.reason == "conflict":  # still ours: storage too contended to write now
                raise StorageFault("TransactionConflict", transient=True) from exc
            raise TurnLost(exc.reason) from exc
        return replace(
            conv,
            status="active",
            message_count=reply.seq,
            last_message_ms=now,
            updated_ms=now,
            turn_id=None,
            turn_lease_until=None,
        )

    def fail_turn(self, claim: TurnClaim) -> None:
        """The model failed: mark the user message failed and release the lease; keep all."""
        sub, conv, msg = claim.sub, claim.conversation, claim.user_message
        items = [
            (
                "message",
                self._update(
                    {"PK": keys.messages_pk(sub, conv.id), "SK": keys.message_sk(msg.seq)},
                    "SET #status = :failed",
                    condition="attribute_exists(PK)",
                    names={"#status": "status"},
                    values={"failed": "failed"},
                ),
            ),
            (
                "conversation",
                self._update(
                    {"PK": keys.user_pk(sub), "SK": keys.conversation_sk(conv.id)},
                    "REMOVE turn_id, turn_lease_until, turn_seq",
                    condition="turn_id = :tid",
                    values={"tid": claim.turn_id},
                ),
            ),
        ]
        if claim.request_key:
            remembered = {
                "PK": keys.user_pk(sub),
                "SK": keys.failed_request_sk(claim.request_key),
                "type": "failed_request",
                "conversation_id": conv.id,
                "seq": msg.seq,
                "ttl": claim.now // 1000 + RETRY_TTL_SECONDS,
            }
            items.append(("retry", {"Put": {"TableName": self.table, "Item": to_item(remembered)}}))
        try:
            self._transact(items)
        except ClaimRejected as exc:
            raise TurnLost(exc.reason) from exc

    def failed_request(self, sub: str, request_key: str) -> FailedRequest | None:
        """The failed turn a retry with this Idempotency-Key answers (one GetItem)."""
        values = self._get(keys.user_pk(sub), keys.failed_request_sk(request_key))
        if values is None:
            return None
        return FailedRequest(str(values["conversation_id"]), int(values["seq"]))

    def get_message(self, sub: str, conversation_id: str, seq: int) -> MessageRecord | None:
        values = self._get(keys.messages_pk(sub, conversation_id), keys.message_sk(seq))
        return message_from(values) if values else None

    def extend_lease(self, claim: TurnClaim, lease_until: int) -> None:
        """A long reply keeps its conversation: one small conditional update per half lease."""
        try:
            self.client.update_item(
                **self._update(
                    {
                        "PK": keys.user_pk(claim.sub),
                        "SK": keys.conversation_sk(claim.conversation.id),
                    },
                    "SET turn_lease_until = :lease",
                    condition="turn_id = :tid AND attribute_not_exists(deleted_ms)",
                    values={"tid": claim.turn_id, "lease": lease_until},
                )["Update"]
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise TurnLost("lease") from exc
            raise

    # ------------------------------------------------------------------ live items
    def live_state(self, sub: str) -> LiveState:
        """The user's open connections and Stop requests: one eventually consistent Query.

        A running turn asks this every LIVE_POLL_SECONDS; the items are tiny, so each
        poll is 0.5 read units. Eventual consistency only delays a rejoin or a Stop by
        a poll or so.
        """
        response = self.client.query(
            TableName=self.table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues=_values(pk=keys.user_pk(sub), prefix=keys.LIVE_PREFIX),
            ProjectionExpression="SK",
        )
        sort_keys = [str(from_item(i)["SK"]) for i in response.get("Items", [])]
        return LiveState(
            connections=frozenset(
                k.removeprefix(keys.LIVE_CONNECTION_PREFIX)
                for k in sort_keys
                if k.startswith(keys.LIVE_CONNECTION_PREFIX)
            ),
            stop_requested=frozenset(
                k.removeprefix(keys.LIVE_STOP_PREFIX)
                for k in sort_keys
                if k.startswith(keys.LIVE_STOP_PREFIX)
            ),
        )

    def add_connection(self, sub: str, connection_id: str, now: int, ttl: int) -> None:
        self.client.put_item(
            TableName=self.table,
            Item=to_item(
                {
                    "PK": keys.user_pk(sub),
                    "SK": keys.live_connection_sk(connection_id),
                    "type": "connection",
                    "connected_ms": now,
                    "ttl": ttl,
                }
            ),
        )

    def remove_connection(self, sub: str, connection_id: str) -> None:
        self.client.delete_item(
            TableName=self.table,
            Key=to_item({"PK": keys.user_pk(sub), "SK": keys.live_connection_sk(connection_id)}),
        )

    def request_stop(self, sub: str, conversation_id: str, turn_id: str, ttl: int) -> None:
        self.client.put_item(
            TableName=self.table,
            Item=to_item(
                {
                    "PK": keys.user_pk(sub),
                    "SK": keys.live_stop_sk(turn_id),
                    "type": "stop",
                    "conversation_id": conversation_id,
                    "ttl": ttl,
                }
            ),
        )

    # ------------------------------------------------------------------ sidebar
    def create_conversation(
        self,
        sub: str,
        conv: ConversationRecord,
        archive: list[ConversationRecord],
        observed_active: int,
    ) -> None:
        """Conversation + ownership + cap archiving + counters, in one transaction."""
        items = self._creation_items(sub, conv, conv.created_ms)
        items.extend(
            self._joining_active(
                sub, conv.agent_type, archive, conv.created_ms, observed_active, created=True
            )
        )
        self._transact(items)

    def list_conversations(
        self,
        sub: str,
        *,
        status: str,
        agent_type: str | None,
        limit: int,
        start_key: dict[str, object] | None,
    ) -> Page[ConversationRecord]:
        """Most recent activity first: one Query on a local index, whatever the total."""
        index, attribute, prefix = (
            (BY_AGENT_STATUS_ACTIVITY, "LSI2SK", f"{agent_type}#{status}#")
            if agent_type
            else (BY_STATUS_ACTIVITY, "LSI1SK", f"{status}#")
        )
        params: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": index,
            "KeyConditionExpression": f"PK = :pk AND begins_with({attribute}, :prefix)",
            "ExpressionAttributeValues": _values(pk=keys.user_pk(sub), prefix=prefix),
            "ScanIndexForward": False,
            "ConsistentRead": True,
            "Limit": limit + 1,
        }
        if start_key:
            params["ExclusiveStartKey"] = to_item(dict(start_key))
        raw = self.client.query(**params).get("Items", [])
        rows = [from_item(i) for i in raw]
        last_key = None
        if len(rows) > limit:
            last = rows[limit - 1]
            last_key = {"PK": last["PK"], "SK": last["SK"], attribute: last[attribute]}
        return Page(items=[conversation_from(r) for r in rows[:limit]], last_key=last_key)

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
        sets = ["updated_ms = :now"]
        values: dict[str, Any] = {"now": now}
        if title is not None:
            sets.append("title = :title")
            values["title"] = title
        if metadata is not None:
            sets.append("metadata = :metadata")
            values["metadata"] = metadata
        try:
            response = self.client.update_item(
                **self._update(
                    {"PK": keys.user_pk(sub), "SK": keys.conversation_sk(conversation_id)},
                    "SET " + ", ".join(sets),
                    condition="attribute_exists(PK) AND attribute_not_exists(deleted_ms)",
                    values=values,
                )["Update"],
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return None
            raise
        return conversation_from(from_item(response["Attributes"]))

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
        if status == "archived":
            items = [
                ("conversation", self._archive_update(sub, conv, now)),
                ("stats", self._stats_update(sub, conv.agent_type, active=-1, archived=1)),
            ]
        else:
            items = [
                (
                    "conversation",
                    self._update(
                        {"PK": keys.user_pk(sub), "SK": keys.conversation_sk(conv.id)},
                        "SET #status = :active, LSI1SK = :lsi1, LSI2SK = :lsi2",
                        condition="#status = :archived AND attribute_not_exists(deleted_ms)",
                        names={"#status": "status"},
                        values={
                            "active": "active",
                            "archived": "archived",
                            **_activity_keys(conv, "active", conv.activity_ms),
                        },
                    ),
                ),
                *self._joining_active(
                    sub, conv.agent_type, archive, now, observed_active, created=False
                ),
            ]
        self._transact(items)

    def delete_conversation(self, sub: str, conv: ConversationRecord, now: int, ttl: int) -> None:
        """Soft delete: out of every list and read at once, counters moved, TTL purges.

        Conditioned on the message count it read, so the stats' message total stays
        exact even when a turn commits concurrently (then the caller re-reads).
        """
        active = conv.status == "active"
        items = [
            (
                "conversation",
                self._update(
                    {"PK": keys.user_pk(sub), "SK": keys.conversation_sk(conv.id)},
                    "SET deleted_ms = :now, #ttl = :ttl REMOVE LSI1SK, LSI2SK",
                    condition="attribute_not_exists(deleted_ms) AND message_count = :count "
                    "AND #status = :status",
                    names={"#ttl": "ttl", "#status": "status"},
                    values={
                        "now": now,
                        "ttl": ttl,
                        "count": conv.message_count,
                        "status": conv.status,
                    },
                ),
            ),
            (
                "ownership",
                self._update(
                    {"PK": keys.ownership_pk(conv.id), "SK": keys.OWNERSHIP_SK},
                    "SET #ttl = :ttl",
                    names={"#ttl": "ttl"},
                    values={"ttl": ttl},
                ),
            ),
            (
                "stats",
                self._stats_update(
                    sub,
                    conv.agent_type,
                    active=-1 if active else 0,
                    archived=0 if active else -1,
                    total=-1,
                    messages=-conv.message_count,
                ),
            ),
        ]
        self._transact(items)

    def get_stats(self, sub: str) -> dict[str, int]:
        """The user's counters: one GetItem (missing counters read as zero)."""
        values = self._get(keys.user_pk(sub), keys.STATS_SK) or {}
        return {k: int(v) for k, v in values.items() if isinstance(v, int)}

    def purge_messages(self, sub: str, conversation_id: str, batch: int = 25) -> int:
        """Deletes a purged conversation's messages (called after its TTL expired)."""
        deleted = 0
        while True:
            raw = self._query_messages(sub, conversation_id, batch, True, None)
            if not raw:
                return deleted
            self.client.batch_write_item(
                RequestItems={
                    self.table: [
                        {"DeleteRequest": {"Key": {"PK": i["PK"], "SK": i["SK"]}}} for i in raw
                    ]
                }
            )
            deleted += len(raw)

    # ------------------------------------------------------------------ helpers
    def _claim_items(self, claim: TurnClaim) -> list[tuple[str, dict[str, Any]]]:
        sub, conv, now = claim.sub, claim.conversation, claim.now
        user_key = keys.user_pk(sub)
        items: list[tuple[str, dict[str, Any]]] = []
        if claim.rerun:
            return self._rerun_items(claim)
        if claim.is_new:
            items.extend(self._creation_items(sub, conv, now))
        else:
            reactivate = ", #status = :active" if claim.reactivate else ""
            items.append(
                (
                    "conversation",
                    self._update(
                        {"PK": user_key, "SK": keys.conversation_sk(conv.id)},
                        "SET message_count = :count, turn_id = :tid, turn_lease_until = :lease, "
                        "turn_seq = :count, last_message_ms = :now, updated_ms = :now, "
                        f"LSI1SK = :lsi1, LSI2SK = :lsi2{reactivate}",
                        condition=(
                            "attribute_exists(PK) AND attribute_not_exists(deleted_ms) "
                            "AND message_count = :prev AND #status = :was "
                            "AND (attribute_not_exists(turn_id) OR turn_lease_until < :now)"
                        ),
                        names={"#status": "status"},
                        values={
                            "prev": conv.message_count,
                            "was": conv.status,
                            "now": now,
                            "count": claim.user_message.seq,
                            "tid": claim.turn_id,
                            "lease": claim.lease_until,
                            **_activity_keys(conv, "active", now),
                            **({"active": "active"} if claim.reactivate else {}),
                        },
                    ),
                )
            )
        if not claim.is_new and conv.turn_id and conv.turn_seq:
            # Taking over an expired lease: the dead turn's message was never answered.
            items.append(
                (
                    "orphan",
                    self._update(
                        {
                            "PK": keys.messages_pk(sub, conv.id),
                            "SK": keys.message_sk(conv.turn_seq),
                        },
                        "SET #status = :failed",
                        condition="attribute_exists(PK)",
                        names={"#status": "status"},
                        values={"failed": "failed"},
                    ),
                )
            )
        items.append(("message", self._put(message_item(sub, claim.user_message))))
        items.extend(self._rate_items(claim))
        items.extend(("cap", self._archive_update(sub, old, now)) for old in claim.archive)
        items.append(("cap", self._stats_claim_update(claim)))
        return items

    def _rerun_items(self, claim: TurnClaim) -> list[tuple[str, dict[str, Any]]]:
        """A retry of a failed turn: claim the conversation for the stored message again.

        The message stays where it is (same seq) and goes back to ``ok``; it must still
        be the conversation's last message, failed, and the retry item is consumed, so
        two retries of the same key cannot both run. Counters already count it.
        """
        sub, conv, now, msg = claim.sub, claim.conversation, claim.now, claim.user_message
        user_key = keys.user_pk(sub)
        return [
            (
                "conversation",
                self._update(
                    {"PK": user_key, "SK": keys.conversation_sk(conv.id)},
                    "SET turn_id = :tid, turn_lease_until = :lease, turn_seq = :count, "
                    "updated_ms = :now",
                    condition=(
                        "attribute_exists(PK) AND attribute_not_exists(deleted_ms) "
                        "AND message_count = :count "
                        "AND (attribute_not_exists(turn_id) OR turn_lease_until < :now)"
                    ),
                    values={
                        "tid": claim.turn_id,
                        "lease": claim.lease_until,
                        "count": msg.seq,
                        "now": now,
                    },
                ),
            ),
            (
                "message",
                self._update(
                    {"PK": keys.messages_pk(sub, conv.id), "SK": keys.message_sk(msg.seq)},
                    "SET #status = :ok",
                    condition="#status = :failed",
                    names={"#status": "status"},
                    values={"ok": "ok", "failed": "failed"},
                ),
            ),
            (
                "retry",
                {
                    "Delete": {
                        "TableName": self.table,
                        "Key": to_item(
                            {"PK": user_key, "SK": keys.failed_request_sk(claim.request_key or "")}
                        ),
                        "ConditionExpression": "attribute_exists(PK)",
                    }
                },
            ),
            *self._rate_items(claim),
        ]

    def _rate_items(self, claim: TurnClaim) -> list[tuple[str, dict[str, Any]]]:
        user_key, now = keys.user_pk(claim.sub), claim.now
        ttl = now // 1000 + RATE_TTL_SECONDS
        return [
            (
                "rate_minute",
                self._update(
                    {"PK": user_key, "SK": keys.minute_rate_sk(now // MINUTE_MS)},
                    "ADD turns :one SET #ttl = :ttl",
                    condition="attribute_not_exists(turns) OR turns < :limit",
                    names={"#ttl": "ttl"},
                    values={"limit": claim.rate_limit_per_minute, "one": 1, "ttl": ttl},
                ),
            ),
            (
                "rate_day",
                self._check(
                    {"PK": user_key, "SK": keys.day_rate_sk(now // DAY_MS)},
                    "attribute_not_exists(tokens) OR tokens < :budget",
                    values={"budget": claim.daily_token_budget},
                ),
            ),
        ]

    def _stats_claim_update(self, claim: TurnClaim) -> dict[str, Any]:
        archived = len(claim.archive)
        gained = 1 if (claim.is_new or claim.reactivate) else 0
        return self._stats_update(
            claim.sub,
            claim.conversation.agent_type,
            active=gained - archived,
            archived=archived - (1 if claim.reactivate else 0),
            total=1 if claim.is_new else 0,
            messages=1,
            observed_active=claim.observed_active if gained else None,
        )

    def _stats_update(
        self,
        sub: str,
        agent_type: str,
        *,
        active: int = 0,
        archived: int = 0,
        total: int = 0,
        messages: int = 0,
        observed_active: int | None = None,
    ) -> dict[str, Any]:
        """The user's counters, moved in the same transaction as what they count.

        With ``observed_active`` the update also guards the active-conversation cap:
        the count the cap query saw must still hold when the transaction commits
        (else it is refused and the caller re-reads), so the cap is exact under
        concurrent creations.
        """
        values: dict[str, Any] = {
            "msgs": messages,
            "da": active,
            "dr": archived,
            "dt": total,
        }
        condition = None
        if observed_active is not None:
            values["seen"] = observed_active
            condition = "#act = :seen"
            if not observed_active:
                condition = "(attribute_not_exists(#act) OR #act = :seen)"
        return self._update(
            {"PK": keys.user_pk(sub), "SK": keys.STATS_SK},
            "ADD messages :msgs, conv_active :da, conv_archived :dr, #act :da, #tot :dt",
            condition=condition,
            names={
                "#act": keys.active_count_attr(agent_type),
                "#tot": keys.total_count_attr(agent_type),
            },
            values=values,
        )

    def _joining_active(
        self,
        sub: str,
        agent_type: str,
        archive: list[ConversationRecord],
        now: int,
        observed_active: int,
        *,
        created: bool,
    ) -> list[tuple[str, dict[str, Any]]]:
        """One more active conversation (a new one, or one coming back from the archive)
        under the cap: archive what the cap's read chose, and move the counters on the
        condition that the active count is still what that read saw."""
        return [
            *(("cap", self._archive_update(sub, old, now)) for old in archive),
            (
                "stats",
                self._stats_update(
                    sub,
                    agent_type,
                    active=1 - len(archive),
                    archived=len(archive) - (0 if created else 1),
                    total=1 if created else 0,
                    observed_active=observed_active,
                ),
            ),
        ]

    def _archive_update(self, sub: str, old: ConversationRecord, now: int) -> dict[str, Any]:
        """Archive by the cap; never a conversation whose reply is being written (its
        turn would store the reply as active behind the cap's back)."""
        return self._update(
            {"PK": keys.user_pk(sub), "SK": keys.conversation_sk(old.id)},
            "SET #status = :archived, LSI1SK = :lsi1, LSI2SK = :lsi2",
            condition="#status = :active AND attribute_not_exists(deleted_ms) "
            "AND (attribute_not_exists(turn_id) OR turn_lease_until < :now)",
            names={"#status": "status"},
            values={
                "active": "active",
                "archived": "archived",
                "now": now,
                **_activity_keys(old, "archived", old.activity_ms),
            },
        )

    def _creation_items(
        self, sub: str, conv: ConversationRecord, now: int
    ) -> list[tuple[str, dict[str, Any]]]:
        """A new conversation and its ownership record (which tells 403 from 404)."""
        ownership = {
            "PK": keys.ownership_pk(conv.id),
            "SK": keys.OWNERSHIP_SK,
            "type": "ownership",
            "owner": sub,
            "created_ms": now,
        }
        return [
            ("conversation", self._put(conversation_item(sub, conv))),
            ("ownership", self._put(to_item(ownership))),
        ]

    def _put(self, item: dict[str, Any]) -> dict[str, Any]:
        """A Put of a new item (never overwrites: seq and ids are claimed, not assumed)."""
        return {
            "Put": {
                "TableName": self.table,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }

    def _update(
        self,
        key: dict[str, Any],
        expression: str,
        *,
        condition: str | None = None,
        names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        update: dict[str, Any] = {
            "TableName": self.table,
            "Key": to_item(key),
            "UpdateExpression": expression,
        }
        if condition:
            update["ConditionExpression"] = condition
        if names:
            update["ExpressionAttributeNames"] = names
        if values:
            update["ExpressionAttributeValues"] = _values(**values)
        return {"Update": update}

    def _check(
        self, key: dict[str, Any], condition: str, *, values: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "ConditionCheck": {
                "TableName": self.table,
                "Key": to_item(key),
                "ConditionExpression": condition,
                "ExpressionAttributeValues": _values(**values),
            }
        }

    def _transact(self, named_items: list[tuple[str, dict[str, Any]]]) -> None:
        """One TransactWriteItems; a refusal names the item whose condition failed.

        A cancellation for TransactionConflict (another transaction touched one of the
        items at the same moment: the user's stats item is shared by all their turns)
        wrote nothing, so the identical transaction is retried with jittered backoff;
        its conditions are evaluated again each time.
        """
        for attempt in range(CONFLICT_ATTEMPTS):
            try:
                self.client.transact_write_items(TransactItems=[item for _, item in named_items])
                return
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                cancellations = exc.response.get("CancellationReasons", [])
                for (reason, _), cancel in zip(named_items, cancellations, strict=False):
                    if cancel.get("Code") == "ConditionalCheckFailed":
                        raise ClaimRejected(reason) from exc
                if not any(c.get("Code") == "TransactionConflict" for c in cancellations):
                    # Throttled, or refused for another reason: nothing was written, and it
                    # is not a condition the caller can act on.
                    codes = ",".join(sorted({c.get("Code", "") for c in cancellations} - {"None"}))
                    raise StorageFault(codes or "TransactionCanceled", transient=True) from exc
                if attempt == CONFLICT_ATTEMPTS - 1:
                    raise ClaimRejected("conflict") from exc
                time.sleep(random.uniform(0, 0.02 * 2**attempt))  # noqa: S311 - jitter


def _activity_keys(conv: ConversationRecord, status: str, activity_ms: int) -> dict[str, str]:
    """Expression values of both listing index keys (``:lsi1``, ``:lsi2``)."""
    return {
        "lsi1": keys.status_activity_key(status, activity_ms, conv.id),
        "lsi2": keys.agent_status_activity_key(conv.agent_type, status, activity_ms, conv.id),
    }
