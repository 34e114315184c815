"""Runs one model step's tool calls: at most MAX_PARALLEL at once, each within its
timeout, its arguments checked against its schema first. Whatever a tool or the model
does (unknown tool, invalid or oversized arguments, an exception, a timeout) becomes
an error output the model reads, and the turn goes on.

Tools run on threads; a tool past its timeout is abandoned (its thread finishes on its
own, its output unused). ``interrupted`` is asked every ``poll_seconds`` while they run:
the user's Stop or the turn's deadline ends the wait at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from chat_core.observability import logger
from chat_core.tools.calls import MAX_ARGUMENT_BYTES, ToolCall, ToolOutcome
from chat_core.tools.spec import Tool, ToolContext, ToolFailed

MAX_PARALLEL = 4
STOPPED_OUTPUT = "The user stopped the turn before this tool finished."


def run_tools(
    calls: list[ToolCall],
    tools: Mapping[str, Tool],
    context: ToolContext,
    *,
    interrupted: Callable[[], bool],
    poll_seconds: float,
    monotonic: Callable[[], float] = time.monotonic,
) -> tuple[list[ToolOutcome], bool]:
    """The outcome of every call, in the calls' order, and whether the wait was
    interrupted (then the unfinished ones say so)."""
    began = {call.call_id: monotonic() for call in calls}
    outcomes: dict[str, ToolOutcome] = {}
    pool = ThreadPoolExecutor(max_workers=MAX_PARALLEL, thread_name_prefix="tool")
    running: dict[Future[str], ToolCall] = {}
    deadlines: dict[str, float] = {}
    try:
        for call in calls:
            spec = tools.get(call.name)
            problem = _refusal(call, spec)
            if problem is not None or spec is None:
                outcomes[call.call_id] = ToolOutcome(call, problem or "", True, 0)
                continue
            future = pool.submit(spec.invoke, call.arguments, context)
            running[future] = call
            deadlines[call.call_id] = began[call.call_id] + spec.timeout_seconds
        stopped = False
        while running and not stopped:
            done, _ = wait(running, timeout=poll_seconds, return_when=FIRST_COMPLETED)
            now = monotonic()
            for future in done:
                call = running.pop(future)
                outcomes[call.call_id] = _outcome(call, future, now - began[call.call_id])
            for future, call in list(running.items()):
                if now >= deadlines[call.call_id]:
                    running.pop(future)
                    seconds = deadlines[call.call_id] - began[call.call_id]
                    outcomes[call.call_id] = ToolOutcome(
                        call,
                        f"The tool did not answer within {seconds:g} s.",
                        True,
                        int(seconds * 1000),
                    )
            stopped = bool(running) and interrupted()
        for future, call in running.items():
            future.cancel()
            elapsed = int((monotonic() - began[call.call_id]) * 1000)
            outcomes[call.call_id] = ToolOutcome(call, STOPPED_OUTPUT, True, elapsed)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return [outcomes[call.call_id] for call in calls], stopped


def _refusal(call: ToolCall, spec: Tool | None) -> str | None:
    """Why the call cannot run, as the model should read it; None when it can."""
    if spec is None:
        return f"There is no tool named {call.name!r}."
    if len(call.arguments.encode("utf-8")) > MAX_ARGUMENT_BYTES:
        return f"The arguments are longer than {MAX_ARGUMENT_BYTES} bytes."
    return spec.problem(call.arguments)


def _outcome(call: ToolCall, future: Future[str], seconds: float) -> ToolOutcome:
    elapsed = int(seconds * 1000)
    try:
        return ToolOutcome(call, str(future.result()), False, elapsed)
    except ToolFailed as exc:
        return ToolOutcome(call, f"The tool failed: {exc}", True, elapsed)
    except Exception as exc:  # a tool's bug must not end the turn
        logger.warning("a tool raised", extra={"tool": call.name, "error": type(exc).__name__})
        return ToolOutcome(call, f"The tool failed: {type(exc).__name__}.", True, elapsed)
