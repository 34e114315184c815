"""This project's chat turn vs LangChain's DynamoDBChatMessageHistory, same DynamoDB Local.

Per turn, at 10, 20, 30, 50, 100, 500 and 1,000 messages of history: DynamoDB requests, read and
write capacity units and latency. Units are billed by DynamoDB's per-item rules
(tests/support/billing.py), with DynamoDB Local's ReturnConsumedCapacity beside them
(it does not bill each item of a transaction, so it flatters this project, whose turn
is two transactions; the peer writes without transactions). The peer is used the way
its documentation shows: add the user message, add the reply, read the history. Both
sides use an in-process model, so only storage is compared. Then 8 concurrent writers
to one conversation, and the messages that survive.
Usage: python -m benchmarks.peer_comparison
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3

from benchmarks.report import print_table, write_json
from chat_core.errors import ConversationBusy
from chat_core.models import ChatRequest
from chat_core.repository.dynamodb import DynamoChatRepository
from chat_core.settings import Settings
from local.testing import running_stack
from tests.support.billing import BillingMeter, TableShape, shapes_from_template
from tests.support.dynamo_meter import DynamoMeter
from tests.support.fakes import FakeModel
from tests.support.turns import InProcessTurn

LENGTHS = [10, 20, 30, 50, 100, 500, 1000]
SAMPLES = 3
TEXT = "A user message of ordinary length, asking about something specific. " * 2
WRITERS, TURNS_PER_WRITER = 8, 5


def dynamodb(endpoint: str, kind: str = "client") -> Any:
    session = boto3.session.Session(
        aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1"
    )
    return session.client("dynamodb", endpoint_url=endpoint) if kind == "client" else session


Sample = tuple[int, float, float, float, float, float]


def measure(meter: DynamoMeter, action: Callable[[], object]) -> Sample:
    meter.reset()
    meter.billed.active = True
    started = time.perf_counter()
    action()
    elapsed = (time.perf_counter() - started) * 1000
    # Billing reads every written item twice: only the measured turns pay for it.
    meter.billed.active = False
    return (
        meter.requests,
        meter.billed.read_units,
        meter.billed.write_units,
        elapsed,
        meter.read_units,
        meter.write_units,
    )


def metered(client: Any, shapes: dict[str, TableShape], endpoint: str) -> DynamoMeter:
    """Local's figures, and the same requests billed by DynamoDB's rules."""
    meter = DynamoMeter().attach(client)
    meter.billed = BillingMeter(shapes, dynamodb(endpoint)).attach(client)
    return meter


def summarize(system: str, length: int, samples: list[Sample]) -> dict[str, Any]:
    return {
        "system": system,
        "history": length,
        "requests": max(s[0] for s in samples),
        "read_units": round(statistics.mean(s[1] for s in samples), 1),
        "write_units": round(statistics.mean(s[2] for s in samples), 1),
        "units": round(statistics.mean(s[1] + s[2] for s in samples), 1),
        "latency_ms": round(statistics.median(s[3] for s in samples), 1),
        "read_units_local": round(statistics.mean(s[4] for s in samples), 1),
        "write_units_local": round(statistics.mean(s[5] for s in samples), 1),
    }


def ours(endpoint: str, table: str) -> tuple[list[dict[str, Any]], InProcessTurn]:
    client = dynamodb(endpoint)
    meter = metered(client, shapes_from_template({"ChatTable": table}), endpoint)
    settings = Settings(
        table_name=table,
        rate_limit_turns_per_minute=10**6,
        daily_token_budget=10**12,
        max_messages_per_conversation=max(LENGTHS) + 2 * SAMPLES + 4,
        max_active_conversations=1000,
    )
    turn = InProcessTurn(DynamoChatRepository(table, client), FakeModel(), settings)
    conversation = turn.run("bench", ChatRequest(message=TEXT)).response.conversation_id
    rows, count = [], 2
    for length in LENGTHS:
        while count < length:
            turn.run("bench", ChatRequest(message=TEXT, conversation_id=conversation))
            count += 2
        samples = [
            measure(
                meter,
                lambda: turn.run("bench", ChatRequest(message=TEXT, conversation_id=conversation)),
            )
            for _ in range(SAMPLES)
        ]
        count += 2 * SAMPLES
        rows.append(summarize("this project", length, samples))
    return rows, turn


def peer_history(endpoint: str, session_id: str) -> Any:
    from langchain_community.chat_message_histories import DynamoDBChatMessageHistory

    return DynamoDBChatMessageHistory(
        table_name="SessionTable",
        session_id=session_id,
        endpoint_url=endpoint,
        boto3_session=dynamodb(endpoint, "session"),
    )


def peer(endpoint: str) -> list[dict[str, Any]]:
    dynamodb(endpoint).create_table(
        TableName="SessionTable",
        KeySchema=[{"AttributeName": "SessionId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "SessionId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    history = peer_history(endpoint, "bench")
    meter = metered(
        history.table.meta.client, {"SessionTable": TableShape(("SessionId",))}, endpoint
    )

    def one_turn() -> None:
        history.add_user_message(TEXT)
        history.add_ai_message("reply: " + TEXT)
        _ = history.messages

    rows, count = [], 0
    for length in LENGTHS:
        while count < length:
            one_turn()
            count += 2
        samples = [measure(meter, one_turn) for _ in range(SAMPLES)]
        count += 2 * SAMPLES
        rows.append(summarize("langchain DynamoDBChatMessageHistory", length, samples))
    return rows


def concurrent_writers(endpoint: str, table: str, turn: InProcessTurn) -> list[dict[str, Any]]:
    """8 writers, 5 turns each, one conversation: how many messages survive?"""
    conversation = turn.run("race", ChatRequest(message="start")).response.conversation_id
    busy = [0]

    def our_writer(i: int) -> None:
        for j in range(TURNS_PER_WRITER):
            while True:
                try:
                    turn.run(
                        "race", ChatRequest(message=f"w{i} t{j}", conversation_id=conversation)
                    )
                    break
                except ConversationBusy:
                    busy[0] += 1
                    time.sleep(0.01)

    def peer_writer(i: int) -> None:
        history = peer_history(endpoint, "race")
        for j in range(TURNS_PER_WRITER):
            history.add_user_message(f"w{i} t{j}")
            history.add_ai_message(f"reply w{i} t{j}")

    for writer in (our_writer, peer_writer):
        threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    expected = WRITERS * TURNS_PER_WRITER * 2
    ours_stored = turn._repo.page_messages(
        "race", conversation, limit=1000, ascending=True, start_key=None
    ).items
    seqs = [m.seq for m in ours_stored]
    peer_stored = len(peer_history(endpoint, "race").messages)
    return [
        {
            "system": "this project",
            "expected": expected,
            "survived": len(seqs) - 2,
            "lost": expected - (len(seqs) - 2),
            "contiguous_seq": seqs == list(range(1, len(seqs) + 1)),
            "busy_retries": busy[0],
        },
        {
            "system": "langchain DynamoDBChatMessageHistory",
            "expected": expected,
            "survived": peer_stored,
            "lost": expected - peer_stored,
            "contiguous_seq": "n/a",
            "busy_retries": 0,
        },
    ]


def main() -> None:
    with running_stack() as stack:
        endpoint, table = stack.dynamodb_endpoint, stack.table_names["ChatTable"]
        our_rows, turn = ours(endpoint, table)
        peer_rows = peer(endpoint)
        race = concurrent_writers(endpoint, table, turn)
    rows = our_rows + peer_rows
    print_table("Cost of one turn vs history length (DynamoDB Local)", rows)
    ratios = []
    for system_rows in (our_rows, peer_rows):
        first, last = system_rows[0], system_rows[-1]
        ratios.append(
            {
                "system": first["system"],
                "requests_1000_vs_10": round(last["requests"] / first["requests"], 2),
                "read_units_1000_vs_10": round(
                    last["read_units"] / max(first["read_units"], 0.01), 2
                ),
                "write_units_1000_vs_10": round(
                    last["write_units"] / max(first["write_units"], 0.01), 2
                ),
                "units_1000_vs_10": round(last["units"] / max(first["units"], 0.01), 2),
                "latency_1000_vs_10": round(last["latency_ms"] / max(first["latency_ms"], 0.01), 2),
            }
        )
    print_table("Growth from 10 to 1,000 messages", ratios)
    versus = [
        {
            "history": o["history"],
            "this_project_units": o["units"],
            "peer_units": p["units"],
            "peer_over_this_project": round(p["units"] / max(o["units"], 0.01), 2),
        }
        for o, p in zip(our_rows, peer_rows, strict=True)
    ]
    print_table("Billed units per turn (read + write): the peer over this project", versus)
    print_table(
        f"{WRITERS} concurrent writers x {TURNS_PER_WRITER} turns on one conversation", race
    )
    write_json(
        "peer_comparison",
        {"per_turn": rows, "growth": ratios, "versus": versus, "concurrent_writers": race},
    )


if __name__ == "__main__":
    main()
