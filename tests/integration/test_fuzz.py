"""A bounded run of `make fuzz` inside `make test`: Schemathesis with all of its checks and
phases (fewer examples), and the hostile body classes."""

from __future__ import annotations

from typing import Any

from tests.fuzz.engine import fuzz, operations


def test_every_check_passes_and_every_operation_is_reached(stack: Any) -> None:
    tokens = {"alice": stack.token("fuzz-subset-a"), "mallory": stack.token("fuzz-subset-m")}
    report = fuzz(stack.base_url, tokens, examples=10)
    assert not report.schemathesis_failed, "a Schemathesis check failed (see its output above)"
    assert report.violations == []
    assert not [s for s in report.statuses if s >= 500]
    reached = {label.split(" [")[0] for label in report.per_operation}
    assert set(operations()) <= reached
    assert any(200 <= s < 300 for s in report.statuses)  # valid requests were generated too
    assert report.statuses[400] >= 50  # and invalid ones, the hostile bodies among them
