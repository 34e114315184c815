"""Key builders of the single table.

Every key the API can reach is derived from the caller's ``sub``: a bug in a route
cannot read another user's items by key, because it never builds their keys.
"""

from __future__ import annotations

SEQ_DIGITS = 10
ACTIVITY_DIGITS = 13


def user_pk(sub: str) -> str:
    return f"USER#{sub}"


def conversation_sk(conversation_id: str) -> str:
    return f"CONV#{conversation_id}"


def ownership_pk(conversation_id: str) -> str:
    return f"CONV#{conversation_id}"


OWNERSHIP_SK = "OWNER"
STATS_SK = "STATS"


def messages_pk(sub: str, conversation_id: str) -> str:
    return f"USER#{sub}#CONV#{conversation_id}"


def message_sk(seq: int) -> str:
    return f"MSG#{seq:0{SEQ_DIGITS}d}"


def status_activity_key(status: str, activity_ms: int, conversation_id: str) -> str:
    """LSI1 sort key: lists of one status, most recent activity last (queried descending)."""
    return f"{status}#{activity_ms:0{ACTIVITY_DIGITS}d}#{conversation_id}"


def agent_status_activity_key(
    agent_type: str, status: str, activity_ms: int, conversation_id: str
) -> str:
    """LSI2 sort key: the same per agent type (filtered lists and the active cap)."""
    return f"{agent_type}#{status}#{activity_ms:0{ACTIVITY_DIGITS}d}#{conversation_id}"


def minute_rate_sk(minute_epoch: int) -> str:
    return f"RATE#M#{minute_epoch}"


def day_rate_sk(day_epoch: int) -> str:
    return f"RATE#D#{day_epoch}"


def active_count_attr(agent_type: str) -> str:
    """Stats attribute counting active conversations of one agent type (flat, so ADD works)."""
    return f"active#{agent_type}"


def total_count_attr(agent_type: str) -> str:
    return f"total#{agent_type}"


def parse_conversation_key(pk: str, sk: str) -> tuple[str, str]:
    """(sub, conversation id) of a conversation item's key."""
    if not pk.startswith("USER#") or not sk.startswith("CONV#"):
        raise ValueError(f"not a conversation key: {pk} {sk}")
    return pk.removeprefix("USER#"), sk.removeprefix("CONV#")


# Live items of a user: open WebSocket connections and Stop requests. They share
# one prefix so a running turn learns both with one Query of the user's partition.
LIVE_PREFIX = "LIVE#"
LIVE_CONNECTION_PREFIX = "LIVE#CONN#"
LIVE_STOP_PREFIX = "LIVE#STOP#"


def live_connection_sk(connection_id: str) -> str:
    return f"{LIVE_CONNECTION_PREFIX}{connection_id}"


def live_stop_sk(turn_id: str) -> str:
    return f"{LIVE_STOP_PREFIX}{turn_id}"


def failed_request_sk(request_key: str) -> str:
    """A failed turn's Idempotency-Key (hashed): where a retry with that key resumes."""
    return f"RETRY#{request_key}"
