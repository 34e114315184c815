"""How a reply ended, one name for storage, the API and the UI (docs/api.md "Messages").

``status`` is the coarse state clients already branch on (ok, stopped, incomplete);
``finish_reason`` says why: the model finished (``stop``), reached its output limit
(``length``: Continue goes on from there), was cut by the provider's filter
(``content_filter``), the user pressed Stop (``stopped``), the model or the stream
failed mid-reply (``error``), or the turn ran out of time (``deadline``).
"""

from __future__ import annotations

from enum import StrEnum


class ReplyEnding(StrEnum):
    STOP = "stop"
    LENGTH = "length"
    CONTENT_FILTER = "content_filter"
    STOPPED = "stopped"
    ERROR = "error"
    DEADLINE = "deadline"

    @property
    def status(self) -> str:
        """The reply's ``status``: ok, stopped (by the user) or incomplete."""
        if self is ReplyEnding.STOP:
            return "ok"
        if self is ReplyEnding.STOPPED:
            return "stopped"
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
        return {"stopped": cls.STOPPED, "incomplete": cls.ERROR}.get(status, cls.STOP)
