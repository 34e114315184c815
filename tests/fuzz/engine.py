"""`make fuzz`: Schemathesis with all of its checks and phases, plus hostile bodies.

1. Schemathesis 4 (its CLI, configured by tests/fuzz/schemathesis.toml) runs every
   check (response schema and status conformance, content type, headers, positive
   and negative data, missing required header, use after free, resource availability,
   ignored auth, object-level authorization with a second user) over the examples,
   coverage, fuzzing and stateful phases (the stateful phase follows the document's
   links). A check switched off or widened for a case says why in the config.
2. The body classes Schemathesis cannot express (bytes that are not UTF-8, other
   encodings, pathological nesting, numbers the parser refuses, JSON that is not an
   object) are sent to every route that takes a body, in many variants.

Fails when any check failed, any answer was a 5xx, any 4xx lacked the contract's error
body, fewer than MIN_REQUESTS were sent, or an operation got no request at all.
"""

from __future__ import annotations

import argparse
import base64
import glob
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.api_client import ApiClient
from tests.support.hostile_bodies import MALFORMED_BODIES, variants

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = ROOT / "openapi.json"
CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"
MIN_REQUESTS = 1000


@dataclass
class FuzzReport:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    per_operation: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    schemathesis_failed: bool = False

    def record(self, label: str, status: int, body: Any) -> None:
        self.requests += 1
        self.per_operation[label] += 1
        self.statuses[status] += 1
        problem = _problem(status, body)
        if problem and len(self.violations) < 50:
            self.violations.append(f"{label} -> {status}: {problem} ({str(body)[:200]})")


def _problem(status: int, body: Any) -> str | None:
    if status >= 500:
        return "server error"
    if status in (401, 404, 431) and isinstance(body, dict) and set(body) == {"message"}:
        return None  # the gateway's own answers: unauthorized, no such route, header quota
    if status >= 400:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict) or not all(
            isinstance(error.get(k), str) and error.get(k)
            for k in ("code", "message", "request_id")
        ):
            return "not the contract's error body"
    return None


def operations() -> list[str]:
    document = json.loads(OPENAPI.read_text())
    return sorted(f"{m.upper()} {p}" for p, ops in document["paths"].items() for m in ops)


def run_schemathesis(
    base_url: str, tokens: dict[str, str], examples: int, report: FuzzReport
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        wfc = Path(scratch) / "users.json"
        wfc.write_text(
            json.dumps(
                {
                    "auth": [
                        {
                            "name": name,
                            "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {t}"}],
                        }
                        for name, t in tokens.items()
                    ]
                }
            )
        )
        command = [
            str(Path(sys.executable).with_name("schemathesis")),
            "--config-file",
            str(CONFIG),
            "run",
            str(OPENAPI),
            "--url",
            base_url,
            "--checks",
            "all",
            "--exclude-checks",
            "unsupported_method",
            "--max-examples",
            str(examples),
            "--seed",
            "20261125",
            "--no-color",
            "--report",
            "ndjson",
            "--report-dir",
            scratch,
        ]
        result = subprocess.run(
            command,
            env={**os.environ, "FUZZ_WFC_AUTH": str(wfc)},
            capture_output=True,
            text=True,
            check=False,
        )
        lines = result.stdout.strip().splitlines()
        marks = [n for n, line in enumerate(lines) if " SUMMARY " in line]
        print("\n".join(lines[marks[-1] :] if marks else lines[-30:]))
        if result.returncode != 0:
            report.schemathesis_failed = True
            print(result.stdout[-20000:])
            print(result.stderr[-5000:], file=sys.stderr)
        for path in glob.glob(f"{scratch}/*.ndjson"):
            _count(Path(path), report)


def _count(path: Path, report: FuzzReport) -> None:
    for line in path.read_text().splitlines():
        event = json.loads(line).get("ScenarioFinished")
        if not event:
            continue
        recorder = event["recorder"]
        for case_id, interaction in recorder.get("interactions", {}).items():
            case = recorder["cases"][case_id]["value"]
            response = interaction.get("response") or {}
            raw = (response.get("content") or {}).get("$base64", "")
            try:
                body = json.loads(base64.b64decode(raw)) if raw else None
            except ValueError:
                body = raw
            label = f"{case['method'].upper()} {case['path']}"
            report.record(label, int(response.get("status_code", 0)), body)


def send_hostile_bodies(base_url: str, token: str, report: FuzzReport) -> None:
    api = ApiClient(base_url, token)
    conversation = api.post("/v1/conversations", {"title": "fuzz target"}).body["id"]
    routes = [
        ("POST", "/v1/chat", "/v1/chat"),
        ("POST", "/v1/conversations", "/v1/conversations"),
        ("PATCH", f"/v1/conversations/{conversation}", "/v1/conversations/{id}"),
        (
            "PUT",
            f"/v1/conversations/{conversation}/messages/2/feedback",
            "/v1/conversations/{id}/messages/{seq}/feedback",
        ),
        (
            "POST",
            f"/v1/conversations/{conversation}/regenerate",
            "/v1/conversations/{id}/regenerate",
        ),
        (
            "PUT",
            f"/v1/conversations/{conversation}/messages/1",
            "/v1/conversations/{id}/messages/{seq}",
        ),
    ]
    for name, body in MALFORMED_BODIES.items():
        for variant in variants(body):
            for method, path, template in routes:
                response = api.request(method, path, raw_body=variant)
                report.record(f"{method} {template} [{name}]", response.status, response.body)
                if response.status != 400:
                    report.violations.append(f"{method} {template} [{name}]: {response.status}")


def fuzz(base_url: str, tokens: dict[str, str], examples: int) -> FuzzReport:
    """Both parts against a running stack; the report says what was seen."""
    report = FuzzReport()
    run_schemathesis(base_url, tokens, examples, report)
    send_hostile_bodies(base_url, tokens["alice"], report)
    return report


def main() -> None:
    from local.testing import running_stack

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=60, help="generated cases per operation")
    args = parser.parse_args()
    env = {
        "RATE_LIMIT_TURNS_PER_MINUTE": "100000",
        "RATE_LIMIT_ACTIONS_PER_MINUTE": "100000",
        "DAILY_TOKEN_BUDGET": "1000000000",
    }
    with running_stack(env=env) as stack:
        tokens = {"alice": stack.token("fuzz-alice"), "mallory": stack.token("fuzz-mallory")}
        report = fuzz(stack.base_url, tokens, args.examples)
    print(f"\nrequests: {report.requests}")
    print("statuses: " + ", ".join(f"{s}: {n}" for s, n in sorted(report.statuses.items())))
    print(f"5xx: {sum(n for s, n in report.statuses.items() if s >= 500)}")
    reached = {label.split(" [")[0] for label in report.per_operation}
    missing = [op for op in operations() if op not in reached]
    for operation in operations():
        count = sum(n for label, n in report.per_operation.items() if label.startswith(operation))
        print(f"  {count:6d}  {operation}")
    for violation in report.violations:
        print("VIOLATION", violation)
    if missing:
        print("NO REQUESTS for: " + ", ".join(missing))
    if report.schemathesis_failed or report.violations or missing or report.requests < MIN_REQUESTS:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
