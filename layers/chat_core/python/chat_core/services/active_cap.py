"""The active-conversation cap (MAX_ACTIVE_CONVERSATIONS per user per agent type)."""

from __future__ import annotations

from chat_core.repository.port import ConversationPort
from chat_core.repository.records import ConversationRecord


def plan_cap(
    repo: ConversationPort,
    sub: str,
    agent_type: str,
    cap: int,
    now: int | None = None,
    *,
    joining: str | None = None,
) -> tuple[int, list[ConversationRecord]]:
    """How many are active now, and the least recently active ones to archive.

    One Query that reads one more than the cap, so a lowered setting also archives
    the surplus. The count goes into the write's condition, which makes the cap
    exact when several conversations are created at once. ``joining``: the id of an
    archived conversation coming back (it counts once it is active again).
    """
    active = repo.active_conversations(sub, agent_type, cap + 1)
    # The conversation coming back from the archive is never archived by its own
    # claim: the index (eventually consistent) may still list it as active just after
    # it was archived, and the same item twice in one transaction is refused.
    active = [c for c in active if c.id != joining]
    surplus = max(0, len(active) - cap + 1)
    if now is not None:
        # A conversation whose reply is being written is archived last: its turn will
        # store the reply as active (the archive write also refuses a live lease).
        active = sorted(active, key=lambda c: c.turn_in_flight(now))
    return len(active), active[:surplus]
