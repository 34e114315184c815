"""How much of the day's token budget a turn reserves when it is claimed: its worst case.

The budget is checked and spent in the claim's own transaction, before the model is
asked, so concurrent turns cannot all pass a check that only one of them fits: each
reserves the most its request may bill (the largest prompt the history window builds,
plus the model's output bound, its thinking included), the reply settles the
reservation to what the model reported, and a failed turn gives it back
(repository/rate_spend.py). The prompt is estimated (agent/tokens.py, ~4 characters a
token); a text that tokenizes denser can exceed its reservation by that error.
"""

from __future__ import annotations

from chat_core.agent.capabilities import output_bound
from chat_core.agent.catalogue import AgentType
from chat_core.agent.history import CONTINUE_INSTRUCTION
from chat_core.agent.tokens import estimate_tokens
from chat_core.settings import Settings


def reservation(agent: AgentType, settings: Settings, message: str, continued: str = "") -> int:
    """The worst case of one turn of ``agent`` answering ``message`` (``continued``: the
    cut reply a Continue sends back)."""
    _, caps = agent.capabilities(settings.openai_model, settings.openai_model_family)
    prompt = max(
        agent.history_token_budget,
        estimate_tokens(agent.system_prompt) + estimate_tokens(message),
    )
    if continued:
        prompt += estimate_tokens(continued) + estimate_tokens(CONTINUE_INSTRUCTION)
    return prompt + output_bound(caps, agent.limits)
