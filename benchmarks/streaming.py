"""Streamed replies: time to first visible text, long replies, and what a streamed turn costs.

1. Overhead: from POST /v1/chat (stream) to the first text on the WebSocket, minus the
   model's own time to first token (from the stub's record of when the request arrived
   and when it sent its first word), through the local gateway, the chat function,
   Lambda's (emulated) Invoke API, the worker and the management API.
2. A 2-minute reply (--long-seconds) streamed, and the same through the JSON route,
   which must answer 202 at its wait and still store the reply.
3. DynamoDB requests and units of one turn, metered in this process, when the reply
   takes 0.1 s and 5 s: writes are equal (nothing is written per delta), reads grow
   by one 0.5-unit poll per LIVE_POLL_SECONDS; a client that rejoins costs no request.

Usage: python -m benchmarks.streaming [--samples 20] [--long-seconds 120]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
import uuid
from typing import Any

import boto3

from benchmarks.report import print_table, write_json
from benchmarks.streaming_browser import browser_first_text
from chat_core.live.connections import Delivery
from chat_core.models import ChatRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from local.template import ROOT
from local.testing import running_stack
from tests.support.api_client import ApiClient
from tests.support.direct_turn import metered_turn, stack_client
from tests.support.live_client import LiveClient
from tests.support.stub_records import stub_record_of

STUB_DELAY_SECONDS = 0.3  # the model's own time to first token, as the stub is asked


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def _p90(values: list[float]) -> float:
    return round(sorted(values)[int(len(values) * 0.9) - 1], 1)


def first_text_overhead(stack: Any, samples: int, *, next_message: bool = False) -> dict[str, Any]:
    """Send to first text on the socket, less the model's own time to first token, and
    where the rest goes: the chat function's answer (claim and invoke), the worker
    until the model is asked, and the first chunk's way to the client.

    ``next_message``: every sample in one conversation (a claim reads the conversation;
    a new one reads the active cap instead and writes more items)."""
    token = stack.token(f"bench-stream-{'next' if next_message else 'new'}")
    api, socket = ApiClient(stack.base_url, token), LiveClient(stack.base_url, token)
    rows: list[dict[str, float]] = []
    conversation_id: str | None = None
    try:
        for number in range(samples + 2):  # the first two warm the functions up
            marker = f"ttft {number} {uuid.uuid4().hex}"
            message = f"{marker} [stub:delay={STUB_DELAY_SECONDS}]"
            started = time.time()
            answer = api.chat(message, conversation_id, stream=True)
            answered = time.time()
            assert answer.status == 202, answer.body
            accepted = answer.body
            turn_id = accepted["turn_id"]
            first = socket.wait_for(
                lambda e, t=turn_id: e.get("turn_id") == t and e["type"] == "turn.delta"  # type: ignore[misc]
            )
            seen = time.time()
            assert first["offset"] == 0
            socket.wait_for(
                lambda e, t=turn_id: e.get("turn_id") == t  # type: ignore[misc]
                and e["type"] in ("turn.completed", "turn.failed")
            )
            if next_message:
                conversation_id = accepted["conversation_id"]
            record = stub_record_of(stack, marker)
            model = record["first_chunk_at"] - record["received_at"]
            if number >= 2:
                rows.append(
                    {
                        "end_to_end": (seen - started) * 1000,
                        "model": model * 1000,
                        "overhead": (seen - started - model) * 1000,
                        "answer_202": (answered - started) * 1000,
                        "model_asked": (record["received_at"] - started) * 1000,
                        "to_client": (seen - record["first_chunk_at"]) * 1000,
                    }
                )
    finally:
        socket.close()

    def column(name: str) -> list[float]:
        return [row[name] for row in rows]

    return {
        "turn": "next message" if next_message else "new conversation",
        "samples": samples,
        "send_to_first_text_ms_median": _median(column("end_to_end")),
        "model_ttft_ms_median": _median(column("model")),
        "overhead_ms_median": _median(column("overhead")),
        "overhead_ms_p90": _p90(column("overhead")),
        "answer_202_ms_median": _median(column("answer_202")),
        "model_asked_ms_median": _median(column("model_asked")),
        "first_chunk_to_client_ms_median": _median(column("to_client")),
    }


def long_replies(stack: Any, seconds: int) -> list[dict[str, Any]]:
    words = seconds * 10
    directive = f"[stub:words={words}] [stub:rate=10]"
    rows: list[dict[str, Any]] = []

    def streamed() -> None:
        token = stack.token("bench-long-stream")
        api, socket = ApiClient(stack.base_url, token), LiveClient(stack.base_url, token)
        started = time.monotonic()
        accepted = api.chat(f"stream a long one {directive}", stream=True).body
        done = socket.end_of(accepted["conversation_id"], timeout=seconds + 120)
        stored = api.get(f"/v1/conversations/{accepted['conversation_id']}").body["messages"][-1]
        rows.append(
            {
                "route": "stream",
                "first_answer": "202",
                "answered_after_s": 0.0,
                "reply_status": done["reply"]["status"],
                "reply_seconds": round(time.monotonic() - started, 1),
                "stored_words": len(stored["content"].split()),
                "ws_messages": sum(
                    1 for e in socket.events if e.get("turn_id") == accepted["turn_id"]
                ),
            }
        )
        socket.close()

    def plain() -> None:
        api = ApiClient(stack.base_url, stack.token("bench-long-json"))
        started = time.monotonic()
        answer = api.chat(f"json a long one {directive}")
        answered = time.monotonic() - started
        conversation_id = answer.body["conversation_id"]
        while api.get(f"/v1/conversations/{conversation_id}").body["live_turn"] is not None:
            time.sleep(1)
        stored = api.get(f"/v1/conversations/{conversation_id}").body["messages"][-1]
        rows.append(
            {
                "route": "json",
                "first_answer": str(answer.status),
                "answered_after_s": round(answered, 1),
                "reply_status": stored["status"],
                "reply_seconds": round(time.monotonic() - started, 1),
                "stored_words": len(stored["content"].split()),
                "ws_messages": 0,
            }
        )

    threads = [threading.Thread(target=streamed), threading.Thread(target=plain)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(rows, key=lambda r: str(r["route"]))


def step_costs(stack: Any, samples: int = 30) -> list[dict[str, Any]]:
    """What each step on the way to the first word costs on this machine, alone: the
    DynamoDB Local calls a claim and the worker make, the emulated Lambda invoke, and a
    request through the local gateway to a function that touches no storage."""
    client = stack_client(stack)
    table = stack.table_names["ChatTable"]
    lambda_client = boto3.client(
        "lambda",
        endpoint_url=f"{stack.base_url}/local/lambda",
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    health = ApiClient(stack.base_url)
    # The title worker's sample: in this table there is nothing to title, so it answers
    # at once without asking the model (events/README.md).
    sample_event = (ROOT / "events" / "title_worker.json").read_bytes()
    key = {"PK": {"S": "USER#bench-steps"}, "SK": {"S": "STATS"}}
    written = iter(range(10**6))

    def transaction() -> None:
        n = next(written)
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"PK": key["PK"], "SK": {"S": f"X{n}.{i}"}}}}
                for i in range(3)
            ]
        )

    steps: dict[str, Any] = {
        "GetItem (claim: conversation, budgets)": lambda: client.get_item(
            TableName=table, Key=key, ConsistentRead=True
        ),
        "Query (worker: history; claim of a new conversation: the cap)": lambda: client.query(
            TableName=table,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": key["PK"]},
            Limit=40,
        ),
        "TransactWriteItems, 3 items (claim)": transaction,
        "Lambda Invoke, Event (chat function to worker)": lambda: lambda_client.invoke(
            FunctionName="chat-title-worker-dev", InvocationType="Event", Payload=sample_event
        ),
        "a request through the gateway, no storage (GET /v1/health)": lambda: health.get(
            "/v1/health"
        ),
    }
    rows = []
    for step, call in steps.items():
        timings = []
        for _ in range(samples):
            started = time.perf_counter()
            call()
            timings.append((time.perf_counter() - started) * 1000)
        rows.append({"step": step, "ms_median": _median(timings)})
    return rows


class CountingPoster:
    def __init__(self) -> None:
        self.posts = 0

    def post(self, connection_id: str, data: bytes) -> Delivery:
        self.posts += 1
        return "delivered"


def turn_costs(stack: Any) -> list[dict[str, Any]]:
    rows = []
    for label, directive in (
        ("0.1 s reply", "[stub:words=5]"),
        ("5 s reply", "[stub:words=50] [stub:rate=10]"),
    ):
        poster = CountingPoster()
        turn, meter = metered_turn(stack, poster, live_poll_seconds=0.5)
        repo = DynamoChatRepository(stack.table_names["ChatTable"], stack_client(stack))
        conversation_id = turn.run(
            "bench-cost", ChatRequest(message="start")
        ).response.conversation_id
        repo.add_connection("bench-cost", "conn-bench", 0, 2**31)
        meter.reset()
        started = time.monotonic()
        turn.run(
            "bench-cost", ChatRequest(message=f"cost {directive}", conversation_id=conversation_id)
        )
        rows.append(
            {
                "turn": label,
                "seconds": round(time.monotonic() - started, 1),
                "requests": meter.requests,
                "queries": meter.operations["Query"],
                "writes": meter.operations["TransactWriteItems"] + meter.operations["UpdateItem"],
                "local_read_units": round(meter.read_units, 1),
                "local_write_units": round(meter.write_units, 1),
                "ws_posts": poster.posts,
            }
        )
        repo.remove_connection("bench-cost", "conn-bench")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--long-seconds", type=int, default=120)
    args = parser.parse_args()
    env = {"RATE_LIMIT_TURNS_PER_MINUTE": "100000"}
    with running_stack(env=env) as stack:
        overhead = [
            first_text_overhead(stack, args.samples),
            first_text_overhead(stack, args.samples, next_message=True),
        ]
        print_table("Send to first visible text (local gateway, stub TTFT 0.3 s)", overhead)
        browser = browser_first_text(stack, args.samples)
        print_table("Enter to first reply text painted (headless Chromium)", [browser])
        steps = step_costs(stack)
        print_table("Each step on the way, alone (this machine, DynamoDB Local)", steps)
        costs = turn_costs(stack)
        print_table(
            "DynamoDB per turn: nothing written per delta (reads: one poll per 0.5 s)", costs
        )
        long = long_replies(stack, args.long_seconds)
        print_table(f"A {args.long_seconds} s reply, streamed and through the JSON route", long)
    write_json(
        "streaming",
        {
            "first_text": overhead,
            "browser_first_text": browser,
            "first_text_steps": steps,
            "turn_costs": costs,
            "long_replies": long,
            "long_seconds": args.long_seconds,
        },
    )


if __name__ == "__main__":
    main()
