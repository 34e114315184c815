"""Ids of conversations, messages and turns."""

from __future__ import annotations

import uuid


def new_id() -> str:
    """A lowercase canonical UUID4: the contract's id format, unguessable across users."""
    return str(uuid.uuid4())
