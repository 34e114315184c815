"""Schemathesis drives the generated OpenAPI document against a running stack.

Every generated request must get a non-5xx answer, and every 4xx must carry the
contract's error body (the gateway's 401 has its own `{"message": "Unauthorized"}`).
Used by `make fuzz` (1,000+ requests) and, bounded, by the integration tests.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

OPENAPI = Path(__file__).resolve().parents[2] / "openapi.json"


@dataclass
class FuzzReport:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)

    def record(self, method: str, path: str, status: int, body: Any) -> None:
        self.requests += 1
        self.statuses[status] += 1
        problem = _problem(status, body)
        if problem and len(self.violations) < 50:
            self.violations.append(f"{method} {path} -> {status}: {problem} ({str(body)[:200]})")


def _problem(status: int, body: Any) -> str | None:
    if status >= 500:
        return "server error"
    if status == 401:
        return None if body == {"message": "Unauthorized"} else "gateway 401 body"
    if status >= 400:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict) or not all(
            isinstance(error.get(k), str) and error.get(k)
            for k in ("code", "message", "request_id")
        ):
            return "not the contract's error body"
    return None


def fuzz(base_url: str, token: str, examples_per_operation: int) -> FuzzReport:
    """Generates and sends requests for every operation; returns what was seen."""
    schema = schemathesis.openapi.from_path(str(OPENAPI))
    report = FuzzReport()
    headers = {"Authorization": f"Bearer {token}"}
    for result in schema.get_all_operations():
        _fuzz_operation(result.ok(), base_url, headers, examples_per_operation, report)
    return report


def _fuzz_operation(
    operation: Any, base_url: str, headers: dict[str, str], examples: int, report: FuzzReport
) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def send(case: Any) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        try:
            body = response.json()
        except ValueError:
            body = response.text
        report.record(operation.method.upper(), operation.path, response.status_code, body)

    try:
        send()
    except Unsatisfiable:  # pragma: no cover - an operation with nothing to generate
        return


def main() -> None:
    import argparse

    from local.testing import running_stack

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--examples", type=int, default=120, help="generated requests per operation"
    )
    args = parser.parse_args()
    env = {"RATE_LIMIT_TURNS_PER_MINUTE": "100000", "DAILY_TOKEN_BUDGET": "1000000000"}
    with running_stack(env=env) as stack:
        report = fuzz(stack.base_url, stack.token("fuzzer"), args.examples)
    print(f"requests: {report.requests}")
    print("statuses: " + ", ".join(f"{s}: {n}" for s, n in sorted(report.statuses.items())))
    print(f"5xx: {sum(n for s, n in report.statuses.items() if s >= 500)}")
    for violation in report.violations:
        print("VIOLATION", violation)
    if report.violations or report.requests < 1000:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
