"""The worker's generation loop: reads what the model streams, relays it, and says how
the reply ended.

The model's pieces (text, reasoning, how it finished, usage) accumulate into a
``Generation``, the store's input; the relay posts text and reasoning as they come
(coalesced per STREAM_FLUSH_MS) and, each LIVE_POLL_SECONDS, learns new connections
and a Stop. Nothing the model sends can crash the turn: its text is made well formed
before it is posted or kept (agent/text.py), and an unexpected error inside the loop
ends the reply as ``error`` with the text so far, which the worker stores.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from chat_core.agent.model_port import (
    Finished,
    FinishReason,
    ModelUnavailable,
    ModelUsage,
    ReasoningText,
    ToolCallDelta,
)
from chat_core.agent.pump import Piece, StreamEnded, StreamPump
from chat_core.agent.text import SurrogateJoiner
from chat_core.errors import AgentUnavailable, ApiError
from chat_core.live.relay import LiveRelay
from chat_core.observability import logger
from chat_core.replies import MAX_REPLY_BYTES, ReplyEnding, clip_utf8
from chat_core.repository.records import ToolStep
from chat_core.settings import Settings
from chat_core.tools.calls import ToolCall

_ENDINGS = {
    FinishReason.STOP: ReplyEnding.STOP,
    FinishReason.TOOL_CALLS: ReplyEnding.STOP,
    FinishReason.LENGTH: ReplyEnding.LENGTH,
    FinishReason.CONTENT_FILTER: ReplyEnding.CONTENT_FILTER,
}
_BROKE = "The reply was cut short by an unexpected error on our side; what was written is kept."


@dataclass
class Generation:
    """What the model produced for one turn, and how it ended."""

    text: str = ""
    # Characters of ``text`` the turn started with: a Continue's cut reply.
    seed: int = 0
    reasoning: str = ""
    usage: ModelUsage | None = None
    model_finish: FinishReason | None = None
    ending: ReplyEnding = ReplyEnding.STOP
    error: ApiError | None = None
    first_piece_at: float | None = None
    # Another turn took the conversation over (or it was deleted): nothing is stored.
    lost: bool = False
    # The text's size in UTF-8, kept as it grows (the store's bound is in bytes).
    text_bytes: int = 0
    # The tool calls the model is asking for in this step, by their stream index, and
    # those of earlier steps with their outputs, as stored.
    pending_calls: dict[int, ToolCall] = field(default_factory=dict)
    tool_steps: list[ToolStep] = field(default_factory=list)
    # Set when the turn pauses for the user's approval (services/paused_turns.py).
    resume_state: str | None = None
    _text_joiner: SurrogateJoiner = field(default_factory=SurrogateJoiner, repr=False)
    _reasoning_joiner: SurrogateJoiner = field(default_factory=SurrogateJoiner, repr=False)

    def __post_init__(self) -> None:
        self.text_bytes = len(self.text.encode("utf-8"))

    @property
    def added(self) -> str:
        """The text this turn wrote (a Continue's new part)."""
        return self.text[self.seed :]

    def absorb(
        self, piece: Piece | None, now: float, model_error: Callable[[ModelUnavailable], ApiError]
    ) -> bool:
        """Adds what the model sent; True when the model is done."""
        if isinstance(piece, str):
            text = self._text_joiner.feed(piece)
            self.text += text
            self.text_bytes += len(text.encode("utf-8"))
            self.first_piece_at = self.first_piece_at or now
        elif isinstance(piece, ReasoningText):
            self.reasoning += self._reasoning_joiner.feed(piece.text)
        elif isinstance(piece, ToolCallDelta):
            self._add_call(piece)
        elif isinstance(piece, ModelUsage):
            self.usage = _sum(self.usage, piece)
        elif isinstance(piece, Finished):
            self.model_finish = piece.reason
        elif isinstance(piece, StreamEnded):
            self.text += self._text_joiner.flush()
            self.reasoning += self._reasoning_joiner.flush()
            if piece.error is not None:
                self.end(ReplyEnding.ERROR, model_error(piece.error))
            else:
                self.ending = _ENDINGS.get(self.model_finish or FinishReason.STOP, ReplyEnding.STOP)
            return True
        return False

    def _add_call(self, piece: ToolCallDelta) -> None:
        """Joins a call's fragments: the first brings its id and name."""
        known = self.pending_calls.get(piece.index)
        if known is None:
            call_id = piece.call_id or f"call_{piece.index}_{len(self.pending_calls)}"
            known = ToolCall(call_id, piece.name or "", "")
        self.pending_calls[piece.index] = ToolCall(
            known.call_id, known.name or piece.name or "", known.arguments + piece.arguments
        )

    def wants_tools(self) -> bool:
        """The model ended this step asking for tools (and the step ended well)."""
        return bool(self.pending_calls) and self.ending is ReplyEnding.STOP

    def take_calls(self) -> list[ToolCall]:
        """This step's calls, in order; the next step starts with none."""
        calls = [self.pending_calls[i] for i in sorted(self.pending_calls)]
        self.pending_calls = {}
        self.model_finish = None
        return calls

    def end(self, ending: ReplyEnding, error: ApiError | None = None) -> None:
        self.ending, self.error = ending, error

    def pause(self, resume_state: str) -> None:
        self.ending, self.resume_state = ReplyEnding.AWAITING_APPROVAL, resume_state

    def clipped(self) -> bool:
        """Cuts the text to what a reply may hold (MAX_REPLY_BYTES); True if it had to.
        The reply then ends as ``length``: the model is stopped there."""
        if self.text_bytes <= MAX_REPLY_BYTES:
            return False
        self.text = clip_utf8(self.text, MAX_REPLY_BYTES)
        self.text_bytes = len(self.text.encode("utf-8"))
        self.end(ReplyEnding.LENGTH)
        return True


def _sum(total: ModelUsage | None, step: ModelUsage) -> ModelUsage:
    """A turn's usage over its model steps."""
    if total is None:
        return step
    return ModelUsage(
        total.prompt_tokens + step.prompt_tokens,
        total.completion_tokens + step.completion_tokens,
        total.reasoning_tokens + step.reasoning_tokens,
    )


@dataclass
class _Sent:
    """How much of the text and the reasoning the clients have."""

    text: int
    reasoning: int = 0
    at: float = -math.inf


class GenerationLoop:
    def __init__(
        self,
        settings: Settings,
        monotonic: Callable[[], float],
        model_error: Callable[[ModelUnavailable], ApiError],
    ) -> None:
        self._settings = settings
        self._monotonic = monotonic
        self._model_error = model_error

    def model_error(self, exc: ModelUnavailable) -> ApiError:
        """What the caller hears of a model failure."""
        return self._model_error(exc)

    def run(
        self,
        generation: Generation,
        pump: StreamPump,
        relay: LiveRelay,
        ids: tuple[str, str],
        began: float,
        keep_lease: Callable[[], bool],
    ) -> Generation:
        """Relays the model's output as it comes until it ends, the user stops it, the
        lease is lost or the turn's deadline (counted from ``began``) passes."""
        settings = self._settings
        deadline = began + settings.turn_deadline_seconds
        next_poll = self._monotonic() + settings.live_poll_seconds
        flush_every = settings.stream_flush_ms / 1000
        sent, finished = _Sent(len(generation.text)), False
        try:
            while True:
                pending = _pending(generation, sent)
                wake = min(next_poll, deadline, sent.at + flush_every if pending else math.inf)
                piece = pump.next(wake - self._monotonic())
                now = self._monotonic()
                finished = generation.absorb(piece, now, self._model_error)
                if generation.clipped():
                    finished = False  # the model may have more: its stream is closed
                    break
                if finished:
                    break
                if _pending(generation, sent) and now - sent.at >= flush_every:
                    _flush(relay, ids, generation, sent, now)
                if now >= next_poll:
                    next_poll = now + settings.live_poll_seconds
                    if _interrupted(generation, relay, ids[1], sent, keep_lease):
                        break
                if now >= deadline:
                    generation.end(
                        ReplyEnding.DEADLINE,
                        AgentUnavailable(
                            f"The reply took longer than {settings.turn_deadline_seconds} s "
                            "and was cut short; what was written is kept."
                        ),
                    )
                    break
        except Exception:
            logger.exception("the reply's generation broke")
            generation.end(ReplyEnding.ERROR, ApiError(_BROKE))
        finally:
            if not finished:
                pump.close()
        if not generation.lost:
            try:
                _flush(relay, ids, generation, sent, self._monotonic())
            except Exception:
                logger.exception("the reply's last delta could not be posted")
        return generation


def _interrupted(
    generation: Generation,
    relay: LiveRelay,
    turn_id: str,
    sent: _Sent,
    keep_lease: Callable[[], bool],
) -> bool:
    """One poll: new connections get the reply so far; True when the user stopped the
    turn or it lost its lease."""
    relay.poll(generation.text[: sent.text], generation.reasoning[: sent.reasoning])
    if relay.stop_requested(turn_id):
        generation.end(ReplyEnding.STOPPED)
        return True
    if not keep_lease():
        generation.lost = True
        return True
    return False


def _pending(generation: Generation, sent: _Sent) -> bool:
    return len(generation.text) > sent.text or len(generation.reasoning) > sent.reasoning


def _flush(
    relay: LiveRelay, ids: tuple[str, str], generation: Generation, sent: _Sent, now: float
) -> None:
    if len(generation.reasoning) > sent.reasoning:
        relay.send_reasoning(*ids, sent.reasoning, generation.reasoning[sent.reasoning :])
        sent.reasoning = len(generation.reasoning)
    if len(generation.text) > sent.text:
        relay.send_text(*ids, sent.text, generation.text[sent.text :])
        sent.text = len(generation.text)
    sent.at = now
