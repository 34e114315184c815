"""Asking the model for a conversation's title: the prompt, and the answer made safe.

A title is generated once, after the first reply, from the first message and that
reply (services/title_generator.py). The model's answer is cleaned rather than
trusted: its first line, without quotes, a "Title:" label or a trailing full stop
(the service then cuts it to a title's length).
"""

from __future__ import annotations

from chat_core.agent.capabilities import ReasoningEffort
from chat_core.agent.catalogue import AgentType
from chat_core.agent.history import PromptMessage

# The stub model (local/stub_model.py) recognises a title request by these words.
TITLE_INSTRUCTIONS = (
    "Title the conversation below in at most six words, in the language of the user's "
    "message. Answer with the title only: no quotes, no full stop."
)
# Enough of each message to tell what it is about; the rest would only cost tokens.
_EXCERPT_CHARS = 1500

TITLE_AGENT = AgentType(
    name="titles",
    description="Writes a conversation's title (internal; not offered to users).",
    system_prompt=TITLE_INSTRUCTIONS,
    temperature=0.2,
    max_output_tokens=24,
    reasoning_effort=ReasoningEffort.MINIMAL,
)


def title_prompt(first_message: str, first_reply: str) -> list[PromptMessage]:
    transcript = (
        f"User: {first_message[:_EXCERPT_CHARS]}\n\nAssistant: {first_reply[:_EXCERPT_CHARS]}"
    )
    return [
        PromptMessage(role="system", content=TITLE_INSTRUCTIONS),
        PromptMessage(role="user", content=transcript),
    ]


def clean_title(answer: str) -> str:
    """The model's answer as a title ("" when nothing usable is left)."""
    line = next((part for part in answer.splitlines() if part.strip()), "")
    return line.strip().removeprefix("Title:").strip().strip("\"'`*#“”‘’«» ").rstrip(".").strip()
