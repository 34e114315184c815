"""The history window: bounded by a token budget, newest kept, failed left out."""

from __future__ import annotations

from chat_core.agent.history import build_prompt
from chat_core.agent.tokens import estimate_tokens
from chat_core.repository.records import MessageRecord


def message(seq: int, text: str, role: str = "user", status: str = "ok") -> MessageRecord:
    return MessageRecord(
        id=str(seq),
        conversation_id="c",
        seq=seq,
        role=role,
        content=text,
        created_ms=seq,
        status=status,
    )


def test_keeps_the_newest_messages_that_fit_oldest_first() -> None:
    newest_first = [message(i, f"message {i} " + "x" * 40) for i in range(10, 0, -1)]
    budget = estimate_tokens("sys") + 4 * estimate_tokens(newest_first[0].content)
    prompt = build_prompt("sys", newest_first, budget)
    assert prompt[0].role == "system"
    assert [m.content.split()[1] for m in prompt[1:]] == ["7", "8", "9", "10"]


def test_the_new_message_always_fits_even_over_budget() -> None:
    huge = message(2, "y" * 10_000)
    prompt = build_prompt("sys", [huge, message(1, "older")], token_budget=10)
    assert [m.content for m in prompt[1:]] == [huge.content]


def test_failed_messages_are_left_out() -> None:
    newest_first = [message(3, "retry"), message(2, "retry", status="failed"), message(1, "hi")]
    prompt = build_prompt("sys", newest_first, 1000)
    assert [m.content for m in prompt[1:]] == ["hi", "retry"]


def test_prompt_size_is_bounded_however_long_the_conversation() -> None:
    sizes = []
    for length in (10, 100, 1000):
        newest_first = [
            message(i, "z" * 200, "user" if i % 2 else "assistant") for i in range(length, 0, -1)
        ]
        prompt = build_prompt("sys", newest_first, 2000)
        sizes.append(sum(estimate_tokens(m.content) for m in prompt))
    assert max(sizes) <= 2000
    assert sizes[1] == sizes[2]
