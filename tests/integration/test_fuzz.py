"""A bounded schemathesis run inside `make test` (`make fuzz` runs 1,000+ requests)."""

from __future__ import annotations

from typing import Any

from tests.fuzz.engine import fuzz


def test_generated_requests_never_get_a_5xx_and_every_error_has_the_contract_body(
    stack: Any,
) -> None:
    report = fuzz(stack.base_url, stack.token("fuzz-subset"), examples_per_operation=15)
    assert report.requests >= 100
    assert report.violations == []
    assert not [s for s in report.statuses if s >= 500]
    assert any(200 <= s < 300 for s in report.statuses)  # valid requests were generated too
    assert any(400 <= s < 500 for s in report.statuses)
