"""Throughput and latency of chat turns through the local gateway (stub model).

1, 4, 16 and 32 concurrent users, each in a conversation of its own, a fixed number of
turns each: turns/s, p50/p95/p99, errors; then every conversation is checked for a
contiguous seq and no lost message. Also the gateway's overhead: the same turn over
HTTP vs calling the chat handler in-process, as a ratio of medians.
Usage: python -m benchmarks.throughput [--turns 8]
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from typing import Any

from benchmarks.report import print_table, write_json
from local.testing import running_stack
from tests.support.api_client import ApiClient
from tests.support.events import LambdaContext, http_event, load_handler

USERS = [1, 4, 16, 32]
ENV = {
    "RATE_LIMIT_TURNS_PER_MINUTE": "100000",
    "RATE_LIMIT_ACTIONS_PER_MINUTE": "100000",
    "DAILY_TOKEN_BUDGET": "1000000000",
    "MAX_ACTIVE_CONVERSATIONS": "1000",
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_level(stack: Any, users: int, turns: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    conversations: list[tuple[ApiClient, str | None]] = []
    lock = threading.Lock()

    def user(index: int) -> None:
        nonlocal errors
        client = ApiClient(stack.base_url, stack.token(f"load-{users}-{index}"))
        conversation_id = None
        for turn in range(turns):
            started = time.perf_counter()
            try:
                response = client.chat(f"turn {turn} of user {index}", conversation_id)
                ok = response.status in (200, 201)
            except OSError:  # refused or reset connection: an error, not a dead thread
                ok = False
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if ok:
                    latencies.append(elapsed)
                    conversation_id = response.body["conversation_id"]
                else:
                    errors += 1
        with lock:
            conversations.append((client, conversation_id))

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    intact = 0
    for client, conversation_id in conversations:
        # A user whose every turn failed has no conversation; a failed read is not intact
        # either. (Indexing the body blindly was the KeyError 'messages' of one run in four.)
        if conversation_id is None:
            continue
        read = client.get(f"/v1/conversations/{conversation_id}?messages=100")
        messages = read.body.get("messages", []) if read.status == 200 else []
        if [m["seq"] for m in messages] == list(range(1, 2 * turns + 1)):
            intact += 1
    return {
        "users": users,
        "turns": len(latencies) + errors,
        "turns_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "errors": errors,
        "conversations_intact": f"{intact}/{users}",
    }


def gateway_overhead(stack: Any, samples: int = 30) -> dict[str, Any]:
    """Median turn latency over HTTP vs the same handler called in this process."""
    client = ApiClient(stack.base_url, stack.token("overhead-http"))
    http_ms, direct_ms = [], []
    conversation_id = client.chat("warm up").body["conversation_id"]
    for i in range(samples):
        started = time.perf_counter()
        client.chat(f"http {i}", conversation_id)
        http_ms.append((time.perf_counter() - started) * 1000)

    os.environ.update(
        {
            "TABLE_NAME": stack.table_names["ChatTable"],
            "IDEMPOTENCY_TABLE_NAME": stack.table_names["IdempotencyTable"],
            "AWS_ENDPOINT_URL_DYNAMODB": stack.dynamodb_endpoint,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "OPENAI_BASE_URL": f"{stack.base_url}/local/openai/v1",
            "OPENAI_API_KEY": "local-stub-key",
            **ENV,
        }
    )
    handler = load_handler("chat")
    first = handler.lambda_handler(
        http_event("POST", "/v1/chat", sub="overhead-direct", body={"message": "warm up"}),
        LambdaContext(),
    )
    import json

    direct_conversation = json.loads(first["body"])["conversation_id"]
    for i in range(samples):
        event = http_event(
            "POST",
            "/v1/chat",
            sub="overhead-direct",
            body={"message": f"direct {i}", "conversation_id": direct_conversation},
        )
        started = time.perf_counter()
        handler.lambda_handler(event, LambdaContext())
        direct_ms.append((time.perf_counter() - started) * 1000)
    http_median, direct_median = statistics.median(http_ms), statistics.median(direct_ms)
    return {
        "http_median_ms": round(http_median, 1),
        "direct_median_ms": round(direct_median, 1),
        "ratio": round(http_median / direct_median, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=8, help="turns per user at each level")
    args = parser.parse_args()
    with running_stack(env=ENV) as stack:
        ApiClient(stack.base_url, stack.token("warm-up")).chat("load the handlers once")
        rows = [run_level(stack, users, args.turns) for users in USERS]
        overhead = gateway_overhead(stack)
    print_table(
        f"Chat turns through the local gateway, stub model, {args.turns} turns per user", rows
    )
    print_table(
        "Gateway overhead (HTTP + JWT check + event vs in-process handler call)", [overhead]
    )
    write_json("throughput", {"levels": rows, "gateway_overhead": overhead})


if __name__ == "__main__":
    main()
