"""DynamoDB requests and capacity units of one chat turn as a conversation grows.

Runs the real ChatTurn and TurnRunner (tests/support/turns.py) against DynamoDB Local
(started by the local stack) with the stub model over HTTP. Units are given twice:
**billed**, computed from DynamoDB's published per-item rules
(tests/support/billing.py: item sizes, transactional writes twice, each local index
write), which is what AWS charges; and **Local**, DynamoDB Local's own
ReturnConsumedCapacity, which does not bill each item of a transaction. Rows: a new
conversation's first turn, turns at the given messages, a regeneration of the last
reply, an edit and resend of the last message, and a turn with an Idempotency-Key
(Powertools' record in the idempotency table).
Usage: python -m benchmarks.turn_cost [--at 3 101 201]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from benchmarks.report import print_table, write_json
from chat_core.models import ChatRequest, EditMessageRequest, RegenerateRequest
from chat_core.services.idempotent_chat import IdempotentChat
from chat_core.services.rewrites import Rewrites
from chat_core.settings import Settings
from local.testing import running_stack
from tests.support.direct_turn import metered_turn, stack_client
from tests.support.dynamo_meter import DynamoMeter
from tests.support.events import LambdaContext

TEXT = "a typical user message, asking the assistant something ordinary and specific " * 3

CALCULATION = '[stub:tool=calculator {"expression": "12 * (3 + 4)"}]'


def row(label: str, meter: DynamoMeter, samples: list[tuple[float, ...]]) -> dict[str, object]:
    reqs, wcu, rcu, local_wcu, local_rcu, ms = zip(*samples, strict=True)
    return {
        "turn": label,
        "requests": max(reqs),
        "write_units_billed": round(statistics.mean(wcu), 1),
        "read_units_billed": round(statistics.mean(rcu), 1),
        "write_units_local": round(statistics.mean(local_wcu), 1),
        "read_units_local": round(statistics.mean(local_rcu), 1),
        "latency_ms_median": round(statistics.median(ms), 1),
    }


def sample(meter: DynamoMeter, action: Callable[[], Any]) -> tuple[float, ...]:
    meter.reset()
    started = time.perf_counter()
    action()
    elapsed = (time.perf_counter() - started) * 1000
    billed = meter.billed
    return (
        meter.requests,
        billed.write_units,
        billed.read_units,
        meter.write_units,
        meter.read_units,
        elapsed,
    )


def measure(checkpoints: list[int], samples: int = 3) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with running_stack(env={"RATE_LIMIT_TURNS_PER_MINUTE": "100000"}) as stack:
        turn, meter = metered_turn(
            stack,
            max_messages_per_conversation=max(checkpoints) + 2 * samples + 8,
            max_active_conversations=100,
        )
        firsts = [sample(meter, lambda: turn.run("bench", ChatRequest(message=TEXT)))]
        rows.append(row("new conversation, first turn", meter, firsts))
        conversation_id = turn.run("bench", ChatRequest(message=TEXT)).response.conversation_id

        def next_turn() -> int:
            request = ChatRequest(message=TEXT, conversation_id=conversation_id)
            return turn.run("bench", request).response.user_message.seq

        seq = 1
        for checkpoint in checkpoints:
            meter.billed.active = False  # growing the conversation: not metered
            while seq + 2 < checkpoint:
                seq = next_turn()
            meter.billed.active = True
            samples_at = [sample(meter, next_turn) for _ in range(samples)]
            seq += 2 * samples
            rows.append(row(f"at message {checkpoint}", meter, samples_at))
        rewrites = Rewrites(turn, turn.runner._repo)
        regenerated = [
            sample(
                meter,
                lambda: rewrites.regenerate("bench", conversation_id, RegenerateRequest()),
            )
            for _ in range(samples)
        ]
        rows.append(row("regenerate the last reply", meter, regenerated))
        edited = [
            sample(
                meter,
                lambda: rewrites.edit(
                    "bench", conversation_id, seq, EditMessageRequest(message=TEXT + "!")
                ),
            )
            for _ in range(samples)
        ]
        rows.append(row("edit and resend the last message", meter, edited))
        # Powertools' record goes through a client of its own, metered the same way.
        records = stack_client(stack)
        meter.attach(records)
        meter.billed.attach(records)
        persistence = DynamoDBPersistenceLayer(
            table_name=stack.table_names["IdempotencyTable"], boto3_client=records
        )
        settings = Settings(
            table_name=stack.table_names["ChatTable"],
            idempotency_table_name=stack.table_names["IdempotencyTable"],
        )
        idempotent = IdempotentChat(turn, turn.runner._repo, settings, persistence)

        def keyed_turn() -> object:
            request = ChatRequest(message=TEXT, conversation_id=conversation_id)
            key = f"bench-key-{time.time_ns()}"
            return idempotent.submit("bench", request, key, LambdaContext())

        keyed = [sample(meter, keyed_turn) for _ in range(samples)]
        rows.append(row("with an Idempotency-Key", meter, keyed))
        rows += tool_turns(turn, meter, samples)
    return rows


def tool_turns(turn: Any, meter: DynamoMeter, samples: int) -> list[dict[str, object]]:
    """Turns of the ``assistant`` agent type whose model calls 1 and 3 tools (the stub's
    directives): the calls are stored with the reply, so only its item grows."""
    opened = turn.run("bench", ChatRequest(message=TEXT, agent_type="assistant"))
    conversation_id = opened.response.conversation_id
    rows = []
    for count in (1, 3):
        calls = " ".join([CALCULATION] * count)

        def tool_turn(text: str = f"{TEXT} {calls}") -> object:
            return turn.run("bench", ChatRequest(message=text, conversation_id=conversation_id))

        measured = [sample(meter, tool_turn) for _ in range(samples)]
        rows.append(row(f"with {count} tool call{'s' if count > 1 else ''}", meter, measured))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--at", type=int, nargs="+", default=[3, 101, 201])
    args = parser.parse_args()
    rows = measure(sorted(args.at))
    print_table(
        "One chat turn on DynamoDB Local (stub model); billed = DynamoDB's per-item rules, "
        "local = Local's ReturnConsumedCapacity",
        rows,
    )
    write_json("turn_cost", {"rows": rows})


if __name__ == "__main__":
    main()
