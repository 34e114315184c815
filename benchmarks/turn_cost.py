"""DynamoDB requests, capacity units and latency of one chat turn as a conversation grows.

Runs the real ChatTurn against DynamoDB Local (started by the local stack) with the
stub model over HTTP, and meters every DynamoDB call with ReturnConsumedCapacity.
Usage: python -m benchmarks.turn_cost [--at 3 101 201]
"""

from __future__ import annotations

import argparse
import statistics
import time

from benchmarks.report import print_table, write_json
from chat_core.models import ChatRequest
from local.testing import running_stack
from tests.support.direct_turn import metered_turn


def measure(checkpoints: list[int], samples: int = 3) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with running_stack(env={"RATE_LIMIT_TURNS_PER_MINUTE": "100000"}) as stack:
        turn, meter = metered_turn(
            stack, max_messages_per_conversation=max(checkpoints) + 2 * samples + 2
        )
        text = "a typical user message, asking the assistant something ordinary and specific " * 3
        conversation_id = turn.run("bench", ChatRequest(message=text)).response.conversation_id
        seq = 1
        for checkpoint in checkpoints:
            while seq + 2 < checkpoint:  # grow the conversation without metering
                seq = turn.run(
                    "bench", ChatRequest(message=text, conversation_id=conversation_id)
                ).response.user_message.seq
            latencies, reqs, rcu, wcu = [], [], [], []
            for _ in range(samples):
                meter.reset()
                started = time.perf_counter()
                seq = turn.run(
                    "bench", ChatRequest(message=text, conversation_id=conversation_id)
                ).response.user_message.seq
                latencies.append((time.perf_counter() - started) * 1000)
                reqs.append(meter.requests)
                rcu.append(meter.read_units)
                wcu.append(meter.write_units)
            rows.append(
                {
                    "message": checkpoint,
                    "requests": max(reqs),
                    "read_units": round(statistics.mean(rcu), 2),
                    "write_units": round(statistics.mean(wcu), 2),
                    "latency_ms_median": round(statistics.median(latencies), 1),
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--at", type=int, nargs="+", default=[3, 101, 201])
    args = parser.parse_args()
    rows = measure(sorted(args.at))
    print_table("One chat turn on DynamoDB Local (stub model)", rows)
    write_json("turn_cost", {"rows": rows})


if __name__ == "__main__":
    main()
