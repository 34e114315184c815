"""Token estimates that download nothing.

tiktoken fetches its vocabulary at run time, which a Lambda (or this sandbox) must
not do. OpenAI documents ~4 characters per token for English text; we round up and
add the per-message overhead of the chat format, so the estimate errs on the side
of a smaller window, never a prompt over budget.
"""

from __future__ import annotations

import math

CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD_TOKENS = 4


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN) + MESSAGE_OVERHEAD_TOKENS
