"""Pydantic models of the public contract (docs/api.md) and of the stored domain objects.

Request models forbid unknown fields so a typo in a client is a 400, not a silent no-op.
Response models are what the OpenAPI document is generated from.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from chat_core.agent.catalogue import AGENT_TYPES
from chat_core.replies import ReplyEnding
from chat_core.settings import Settings
from chat_core.text_rules import BIDI_CONTROLS, ZERO_WIDTH, is_blank, unsafe_in_title

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
# 1..128 printable ASCII characters (docs/api.md, POST /v1/chat).
TIME_ZONE_PATTERN = r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,3}$"
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,128}$"
ConversationId = Annotated[str, StringConstraints(pattern=UUID_PATTERN)]
Role = Literal["user", "assistant", "system"]
MessageStatus = Literal["ok", "failed", "stopped", "incomplete", "awaiting_approval"]
ConversationStatus = Literal["active", "archived"]

# Upper bound pydantic enforces; the configurable limit (MAX_MESSAGE_CHARS) is checked
# by the service so a too-long message is a 413, not a generic 400. The document states
# the limit as deployed (the template keeps the default), so clients validate the same.
_SCHEMA_MAX_MESSAGE = 1_000_000
_DEPLOYED_MAX_MESSAGE = int(Settings.model_fields["max_message_chars"].default)
AGENT_TYPE_NAMES: list[JsonValue] = [agent.name for agent in AGENT_TYPES]
# "Not only whitespace" as a pattern (search semantics: one character that is not a
# space). Spelt out as Python's whitespace (str.strip, which the checks use), because
# `\s` means less in a JSON Schema (ECMA) regex: a message of "\x1f" would pass the
# schema and be refused here.
_SPACES = "".join(f"\\u{ord(c):04x}" for c in map(chr, range(0x3001)) if c.isspace())
_ZERO_WIDTH = "".join(f"\\u{ord(c):04x}" for c in ZERO_WIDTH)
NOT_BLANK = f"[^{_SPACES}{_ZERO_WIDTH}]"
# What a title may not hold (text_rules.py): a control character, a bidi override.
_NOT_IN_TITLES = (
    "[\\u0000-\\u001f\\u007f-\\u009f" + "".join(f"\\u{ord(c):04x}" for c in BIDI_CONTROLS) + "]"
)


class StrictRequest(BaseModel):
    """Base of every request body: unknown fields are an error, and so is an explicit
    ``null``: an optional field is left out, never null (the schema says so)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: object) -> object:
        if isinstance(data, dict):
            nulls = sorted(k for k, v in data.items() if v is None)
            if nulls:
                raise ValueError(f"{nulls[0]} must be left out rather than null")
        return data


class RegenerateRequest(StrictRequest):
    """A new version of the last reply (docs/api.md "Regenerate and edit")."""

    stream: StrictBool = Field(
        default=False,
        description="true: answer 202 as soon as the message is stored; the reply "
        "streams to the caller's WebSocket connections (docs/api.md).",
    )


class EditMessageRequest(RegenerateRequest):
    """The last user message's new text, answered as a turn (docs/api.md)."""

    message: str = Field(
        min_length=1,
        max_length=_SCHEMA_MAX_MESSAGE,
        json_schema_extra={"maxLength": _DEPLOYED_MAX_MESSAGE, "pattern": NOT_BLANK},
    )

    @field_validator("message")
    @classmethod
    def _not_only_whitespace(cls, value: str) -> str:
        if is_blank(value):
            raise ValueError("message must contain more than whitespace or zero-width characters")
        return value


class ChatRequest(EditMessageRequest):
    """One turn. ``agent_type`` only starts a new conversation: with ``conversation_id``
    it must be left out (the conversation's own type applies)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"not": {"required": ["conversation_id", "agent_type"]}},
    )

    conversation_id: ConversationId | SkipJsonSchema[None] = None
    agent_type: str | SkipJsonSchema[None] = Field(
        default=None, min_length=1, max_length=64, json_schema_extra={"enum": AGENT_TYPE_NAMES}
    )
    time_zone: (
        Annotated[str, StringConstraints(max_length=64, pattern=TIME_ZONE_PATTERN)]
        | (SkipJsonSchema[None])
    ) = Field(
        default=None,
        description="The user's IANA time zone (e.g. Europe/Paris): a tool that tells the "
        "time answers in it.",
    )


Title = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    Field(json_schema_extra={"pattern": NOT_BLANK, "not": {"pattern": _NOT_IN_TITLES}}),
]
MetadataKey = Annotated[str, StringConstraints(min_length=1, max_length=64)]
MetadataValue = Annotated[str, StringConstraints(max_length=512)]
# Like the OpenAI Conversations API: at most 16 string pairs.
Metadata = Annotated[dict[MetadataKey, MetadataValue], Field(max_length=16)]


def _title_not_blank(value: str | None) -> str | None:
    if value is not None and is_blank(value):
        raise ValueError("title must contain more than whitespace or zero-width characters")
    if value is not None and unsafe_in_title(value):
        raise ValueError(
            "title must not contain control characters or bidirectional overrides "
            "(U+202A-U+202E, U+2066-U+2069)"
        )
    return value


class CreateConversationRequest(StrictRequest):
    title: Title | SkipJsonSchema[None] = None
    agent_type: str | SkipJsonSchema[None] = Field(
        default=None, min_length=1, max_length=64, json_schema_extra={"enum": AGENT_TYPE_NAMES}
    )
    metadata: Metadata | SkipJsonSchema[None] = None

    _check_title = field_validator("title")(_title_not_blank)


class UpdateConversationRequest(StrictRequest):
    """Rename, replace metadata, archive or unarchive; at least one of them."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    title: Title | SkipJsonSchema[None] = None
    metadata: Metadata | SkipJsonSchema[None] = None
    # "archived" takes it out of the active list; "active" brings it back, through the
    # cap (the least recently active one of its agent type is archived if need be).
    status: ConversationStatus | SkipJsonSchema[None] = None

    _check_title = field_validator("title")(_title_not_blank)

    @model_validator(mode="after")
    def _something_to_change(self) -> UpdateConversationRequest:
        if self.title is None and self.metadata is None and self.status is None:
            raise ValueError("give a title, metadata or status to change")
        return self


FeedbackRating = Literal["up", "down"]
FEEDBACK_COMMENT_MAX_CHARS = 2000


class FeedbackRequest(StrictRequest):
    """A rating of a reply: replaces the caller's earlier rating of it, if any."""

    rating: FeedbackRating
    comment: str | SkipJsonSchema[None] = Field(default=None, max_length=FEEDBACK_COMMENT_MAX_CHARS)


class Feedback(BaseModel):
    rating: FeedbackRating
    comment: str | None
    updated_at: str


class FeedbackCounts(BaseModel):
    """Replies rated, over the caller's conversations that are not deleted."""

    up: int
    down: int


class ConversationCounts(BaseModel):
    active: int
    archived: int
    by_agent_type: dict[str, int]


class TokenCounts(BaseModel):
    prompt: int
    completion: int


class Stats(BaseModel):
    conversations: ConversationCounts
    messages: int
    tokens: TokenCounts
    feedback: FeedbackCounts


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    reasoning_tokens: int = Field(
        default=0, description="Of completion_tokens, those the model spent thinking."
    )


class ToolCallView(BaseModel):
    """A tool the agent called for a reply: its JSON arguments as the model wrote them and
    its output (previews: at most 800 and 1,200 bytes); ``error``: it failed, timed out
    or was refused; ``step``: the model step that called it (a step's calls ran together)."""

    id: str
    name: str
    arguments: str
    output: str
    error: bool
    duration_ms: int
    step: int
    approval: Literal["pending", "approved", "rejected"] | None = Field(
        default=None,
        description="A tool that needs the user's approval: pending while the reply "
        "waits (POST .../approval decides), then approved or rejected.",
    )


class Message(BaseModel):
    id: str
    conversation_id: str
    seq: int
    role: Role
    content: str
    created_at: str
    status: MessageStatus = "ok"
    feedback: Feedback | None = None
    version: int = Field(
        default=1,
        ge=1,
        description="Which version of this seq the message is: regenerating a reply or "
        "editing a user message makes a new one; the earlier ones (1 to version - 1) "
        "stay readable at .../messages/{seq}/versions/{version}.",
    )
    finish_reason: ReplyEnding | None = Field(
        default=None,
        description="A reply's ending: stop (the model finished), length (its output "
        "limit: POST .../continue goes on), content_filter (the provider's filter), "
        "stopped (the user), error (the model or stream failed mid-reply), deadline "
        "(the turn's time ran out), awaiting_approval (paused until the user decides "
        "its pending tool calls). null on user messages.",
    )
    reasoning: str | None = Field(
        default=None,
        description="A reply's visible reasoning, when the model streamed it; never "
        "sent back to the model as history.",
    )
    tool_calls: list[ToolCallView] = Field(
        default_factory=list,
        description="The tools the agent called for this reply, in order (empty for "
        "user messages and replies without tools).",
    )
    approval_expires_at: str | None = Field(
        default=None,
        description="A reply awaiting approval: when a decision stops counting (it is "
        "then a rejection the model is told of).",
    )


class MessageVersionView(BaseModel):
    """A superseded version of a message; a user message's comes with the reply it had."""

    message: Message
    reply: Message | None
    current_version: int = Field(description="The version the conversation shows now.")


class LiveTurn(BaseModel):
    """A reply being generated right now; its text arrives on the WebSocket."""

    turn_id: str
    user_message_seq: int


class Conversation(BaseModel):
    id: str
    title: str
    agent_type: str
    status: ConversationStatus
    created_at: str
    updated_at: str
    last_message_at: str | None
    message_count: int
    metadata: dict[str, str] = Field(default_factory=dict)
    live_turn: LiveTurn | None = None
    awaiting_approval_until: str | None = None  # its last reply awaits approval till then


class ConversationWithMessages(Conversation):
    messages: list[Message]


class ChatResponse(BaseModel):
    conversation_id: str
    title: str
    agent_type: str
    user_message: Message
    reply: Message
    usage: Usage


class TurnAccepted(BaseModel):
    """202: the message is stored and the reply is being generated.

    Its text streams to the caller's WebSocket connections; once done it is the
    message after ``user_message`` in GET /v1/conversations/{conversation_id}.
    """

    conversation_id: str
    title: str
    agent_type: str
    turn_id: str
    user_message: Message
    status: Literal["generating"] = "generating"


class TurnReply(BaseModel):
    """What POST /v1/chat answers, whichever path served it (plain or idempotent)."""

    status_code: int
    body: ChatResponse | TurnAccepted


class StopAccepted(BaseModel):
    """``stopping``: the running turn stops at its next poll; ``stopped``: the reply that
    waited for approval is settled (``turn_id`` null: no turn runs)."""

    conversation_id: str
    turn_id: str | None
    status: Literal["stopping", "stopped"] = "stopping"


class MessagePage(BaseModel):
    items: list[Message]
    next_cursor: str | None


ExportFormat = Literal["markdown", "json"]


class ExportPage(BaseModel):
    """One part of a conversation's export (docs/api.md "Export"): the parts, fetched in
    order with ``next_cursor``, make the file. Markdown parts carry their text in
    ``markdown`` (the first opens with the title and the metadata); JSON parts carry
    their ``messages``, which the file lists after ``conversation``."""

    format: ExportFormat
    filename: str
    conversation: Conversation
    markdown: str | None
    messages: list[Message]
    next_cursor: str | None


class ConversationPage(BaseModel):
    items: list[Conversation]
    next_cursor: str | None


class Health(BaseModel):
    status: Literal["ok"]


class ErrorDetail(BaseModel):
    code: str
    message: str
    request_id: str
    conversation_id: str | None = None


class ErrorBody(BaseModel):
    """The contract's error body; ``conversation_id`` rides along on a failed turn."""

    error: ErrorDetail
    conversation_id: str | None = None
