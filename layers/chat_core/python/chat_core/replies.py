"""How a reply ended, one name for storage, the API and the UI (docs/api.md "Messages").

``status`` is the coarse state clients already branch on (ok, stopped, incomplete);
``finish_reason`` says why: the model finished (``stop``), reached its output limit
(``length``: Continue goes on from there), was cut by the provider's filter
(``content_filter``), the user pressed Stop (``stopped``), the model or the stream
failed mid-reply (``error``), the turn ran out of time (``deadline``), or it waits for
the user to approve a tool call (``awaiting_approval``, which is also its status).
"""

from __future__ import annotations

from enum import StrEnum

# What one reply may hold, in UTF-8 bytes: its text and its reasoning. A DynamoDB item
# is at most 400 KB, and the largest item a reply goes into is an edited message's
# version (the old user message, up to 64 KB, with the reply it had): 200 KB of text
# and 32 KB of reasoning keep that under the limit with room for the attributes. The
# worker stops the model at the text's bound and stores the reply as ``length``.
MAX_REPLY_BYTES = 200_000
MAX_REASONING_BYTES = 32_000
# A reply's tool calls are stored (and streamed) as previews: at most 40 calls a turn
# (10 model steps of 4) of these sizes keep the same item under 400 KB. The model itself
# sees an output of up to tools/outcomes.py's MAX_OUTPUT_TO_MODEL_BYTES.
MAX_STORED_ARGUMENT_BYTES = 800
MAX_STORED_OUTPUT_BYTES = 1_200


def clip_utf8(text: str, max_bytes: int) -> str:
    """The longest start of ``text`` that fits ``max_bytes`` of UTF-8 (whole characters)."""
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", "ignore")


class ReplyEnding(StrEnum):
    STOP = "stop"
    LENGTH = "length"
    CONTENT_FILTER = "content_filter"
    STOPPED = "stopped"
    ERROR = "error"
    DEADLINE = "deadline"
    AWAITING_APPROVAL = "awaiting_approval"

    @property
    def status(self) -> str:
        """The reply's ``status``: ok, stopped (by the user), awaiting_approval or
        incomplete."""
        if self is ReplyEnding.STOP:
            return "ok"
        if self in (ReplyEnding.STOPPED, ReplyEnding.AWAITING_APPROVAL):
            return self.value
        return "incomplete"

    @property
    def failed_mid_reply(self) -> bool:
        """Cut by a failure or the deadline, not by the model's own end or the user."""
        return self in (ReplyEnding.ERROR, ReplyEnding.DEADLINE)

    @classmethod
    def of(cls, status: str, stored: str | None) -> ReplyEnding:
        """A stored reply's ending; one stored without it is read from its status."""
        if stored is not None and stored in cls._value2member_map_:
            return cls(stored)
        known = {"stopped": cls.STOPPED, "awaiting_approval": cls.AWAITING_APPROVAL}
        return known.get(status, cls.ERROR if status == "incomplete" else cls.STOP)
