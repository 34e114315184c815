"""Handing a claimed turn to whoever generates its reply.

In AWS that is the turn worker function, invoked asynchronously for a streamed turn
(the chat function answers 202 at once) or synchronously with a read timeout for a
plain one: when the timeout passes first, Lambda keeps running the worker to the
end, so the reply is stored anyway and the caller is told to fetch it. The local
stack emulates Lambda's Invoke API, so the same code runs there. Without a worker
function (unit tests) the turn runs on a thread of this process.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Protocol

from pydantic import TypeAdapter

from chat_core.errors import ApiError, error_from_payload
from chat_core.observability import logger
from chat_core.services.turn_runner import StartedTurn, TurnOutcome, TurnRunner

STARTED_TURN = TypeAdapter(StartedTurn)
OUTCOME = TypeAdapter(TurnOutcome)


class DispatchFailed(Exception):
    """The worker could not be started; nothing ran."""


class TurnDispatcher(Protocol):
    def start(self, started: StartedTurn) -> None:
        """Starts generating the reply and returns at once."""
        ...

    def wait(self, started: StartedTurn, seconds: float) -> TurnOutcome | None:
        """Generates the reply; None if it is still running after ``seconds``."""
        ...


class InProcessDispatcher:
    def __init__(self, runner: TurnRunner) -> None:
        self._runner = runner

    def start(self, started: StartedTurn) -> None:
        threading.Thread(target=self._run_quietly, args=(started,), daemon=True).start()

    def wait(self, started: StartedTurn, seconds: float) -> TurnOutcome | None:
        result: dict[str, Any] = {}

        def run() -> None:
            try:
                result["outcome"] = self._runner.run(started)
            except Exception as exc:
                result["error"] = exc

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join(seconds)
        if worker.is_alive():
            return None
        if "error" in result:
            raise result["error"]
        outcome: TurnOutcome = result["outcome"]
        return outcome

    def _run_quietly(self, started: StartedTurn) -> None:
        try:
            self._runner.run(started)
        except ApiError:
            pass  # the clients were told by a turn.failed event
        except Exception:
            logger.exception("turn failed")


def no_retry_lambda_client(read_timeout: float = 5) -> Any:
    """A Lambda client that tries each Invoke once: an invoke whose answer was lost may
    have been accepted, and a second one would run the work twice."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "lambda",
        config=Config(
            connect_timeout=2, read_timeout=read_timeout, retries={"total_max_attempts": 1}
        ),
    )


class LambdaDispatcher:
    """Invokes the turn worker function (TURN_WORKER_FUNCTION) through Lambda's API."""

    def __init__(self, function_name: str, wait_seconds: float) -> None:
        self._function = function_name
        # Never retried either: an Event invoke Lambda accepted but whose answer timed out
        # would start a second worker on the same claim.
        self._async = no_retry_lambda_client()
        # Never retried: a retry after a read timeout would run the turn a second time.
        self._sync = no_retry_lambda_client(read_timeout=wait_seconds)

    def start(self, started: StartedTurn) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._async.invoke(
                FunctionName=self._function,
                InvocationType="Event",
                Payload=STARTED_TURN.dump_json(started),
            )
        except (ClientError, BotoCoreError) as exc:
            raise DispatchFailed(type(exc).__name__) from exc

    def wait(self, started: StartedTurn, seconds: float) -> TurnOutcome | None:
        from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError

        try:
            response = self._sync.invoke(
                FunctionName=self._function,
                InvocationType="RequestResponse",
                Payload=STARTED_TURN.dump_json(started),
            )
        except ReadTimeoutError:
            return None  # Lambda goes on running the worker; the reply will be stored
        except (ClientError, BotoCoreError) as exc:
            raise DispatchFailed(type(exc).__name__) from exc
        payload = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError") or not isinstance(payload, dict):
            logger.error("turn worker crashed", extra={"payload": str(payload)[:500]})
            raise ApiError()
        if "error" in payload:
            raise error_from_payload(payload["error"])
        return OUTCOME.validate_python(payload["outcome"])


def worker_result(run: Any, event: dict[str, Any]) -> dict[str, Any]:
    """The worker function's answer: the outcome, or the contract's error as data."""
    started = STARTED_TURN.validate_python(event)
    try:
        outcome = run(started)
    except ApiError as error:
        return {"error": error.to_payload()}
    return {"outcome": OUTCOME.dump_python(outcome, mode="json")}
