"""Key builders of the single table (docs/design.md "Data").

Every key the API can reach is derived from the caller's ``sub``: a bug in a route
cannot read another user's items by key, because it never builds their keys.
"""

from __future__ import annotations

from collections.abc import Callable

SEQ_DIGITS = 10
ACTIVITY_DIGITS = 13


def _prefixed(prefix: str) -> Callable[[object], str]:
    """A key of one kind: its prefix, then the value that tells items of that kind apart."""
    return lambda value: f"{prefix}{value}"  # pragma: no mutate (called at import only)


# Live items of a user: open WebSocket connections and Stop requests. They share
# one prefix so a running turn learns both with one Query of the user's partition.
LIVE_PREFIX = "LIVE#"
LIVE_CONNECTION_PREFIX = "LIVE#CONN#"
LIVE_STOP_PREFIX = "LIVE#STOP#"

OWNERSHIP_SK = "OWNER"
STATS_SK = "STATS"

# The user's partition: PK = user_pk(sub)
user_pk = _prefixed("USER#")
conversation_sk = _prefixed("CONV#")  # a conversation, by id
live_connection_sk = _prefixed(LIVE_CONNECTION_PREFIX)  # by connection id
live_stop_sk = _prefixed(LIVE_STOP_PREFIX)  # by turn id
action_budget_sk = _prefixed("RATE#ACTIONS#")  # by epoch minute
# A failed turn's Idempotency-Key (hashed): where a retry with that key resumes.
failed_request_sk = _prefixed("RETRY#")

# Who owns a conversation id (tells 403 from 404): PK = ownership_pk(id), SK = OWNERSHIP_SK
ownership_pk = _prefixed("CONV#")

# Stats attributes counting one agent type's conversations (flat, so ADD works).
active_count_attr = _prefixed("active#")
total_count_attr = _prefixed("total#")


def messages_pk(sub: str, conversation_id: str) -> str:
    """A conversation's messages have a partition of their own, ordered by seq."""
    return f"USER#{sub}#CONV#{conversation_id}"


def message_sk(seq: int) -> str:
    return f"MSG#{seq:0{SEQ_DIGITS}d}"


# Superseded versions of a message (docs/design.md "Versions"), beside the messages in
# their partition; the message Queries ask for MSG# and never see them.
VERSION_PREFIX = "VER#"


def message_version_sk(seq: int, version: int, answers: int | None = None) -> str:
    """A user message's version ``version``; a reply's is numbered within the version
    of the user message it ``answers`` (an edit starts the reply's versions again)."""
    within = "" if answers is None else f"{answers:04d}."
    return f"{VERSION_PREFIX}{seq:0{SEQ_DIGITS}d}#{within}{version:04d}"


def activity_key(status: str, activity_ms: int, conversation_id: str) -> str:
    """The listing index's sort key (``ActivitySK`` of ``ByActivity``): one status's
    conversations, most recent turn last (queried descending). Written once per turn,
    at the claim: each change of it is an index delete and put on the bill."""
    return f"{status}#{activity_ms:0{ACTIVITY_DIGITS}d}#{conversation_id}"


def parse_conversation_key(pk: str, sk: str) -> tuple[str, str]:
    """(sub, conversation id) of a conversation item's key."""
    if not pk.startswith("USER#") or not sk.startswith("CONV#"):
        raise ValueError(f"not a conversation key: {pk} {sk}")
    return pk.removeprefix("USER#"), sk.removeprefix("CONV#")
