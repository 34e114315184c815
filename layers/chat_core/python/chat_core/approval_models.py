"""The body of POST /v1/conversations/{id}/approval (docs/api.md "Approvals")."""

from __future__ import annotations

from pydantic import Field, StrictBool
from pydantic.json_schema import SkipJsonSchema

from chat_core.models import RegenerateRequest, StrictRequest


class ApprovalDecision(StrictRequest):
    call_id: str = Field(min_length=1, max_length=128, description="A pending call's id.")
    approve: StrictBool
    reason: str | SkipJsonSchema[None] = Field(
        default=None, max_length=1000, description="Why not: the model reads it."
    )


class ApprovalRequest(RegenerateRequest):
    """The user's decision on each call the last reply waits for (docs/api.md
    "Approvals")."""

    decisions: list[ApprovalDecision] = Field(min_length=1, max_length=40)
