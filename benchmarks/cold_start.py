"""Cold-start proxy: each handler's import time in a fresh interpreter (min of 5).

Lambda's init phase is dominated by imports; `python -X importtime` measures them
without AWS, with tracing off (as locally) and on (as deployed: the X-Ray SDK loads in
every traced function). Then the chat function's first request: the time to build its
services (imports and clients) after the handler's import, as deployed (a worker
generates the reply), with the model client imported too (what deferring it saves), and with
SnapStart's before-snapshot imports done. Usage: python -m benchmarks.cold_start
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from benchmarks.report import print_table, write_json

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5
LOADER = (
    "import importlib.util, sys;"
    "s = importlib.util.spec_from_file_location('app', sys.argv[1]);"
    "m = importlib.util.module_from_spec(s); s.loader.exec_module(m)"
)


def _env(*, traced: bool = False, **extra: str) -> dict[str, str]:
    env = {
        "PYTHONPATH": str(ROOT / "layers" / "chat_core" / "python"),
        "POWERTOOLS_TRACE_DISABLED": "false" if traced else "true",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_DEFAULT_REGION": "us-east-1",
        **extra,
    }
    if traced:  # as in AWS, where the runtime sets these
        env |= {"AWS_LAMBDA_FUNCTION_NAME": "probe", "AWS_REGION": "us-east-1"}
    return env


def import_time_ms(function: str, *, traced: bool = False) -> tuple[float, bool]:
    """Total import time of the handler module (sum of every module's self time)."""
    env = _env(traced=traced)
    best = float("inf")
    imports_openai = False
    for _ in range(RUNS):
        out = subprocess.run(
            [
                sys.executable,
                "-X",
                "importtime",
                "-c",
                LOADER,
                str(ROOT / "functions" / function / "app.py"),
            ],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            timeout=120,
        )
        total_us = 0
        for line in out.stderr.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", line)
            if match:
                total_us += int(match.group(1))
                imports_openai |= match.group(3).strip() == "openai"
        best = min(best, total_us / 1000)
    return best, imports_openai


FIRST_REQUEST = (
    "import importlib.util, sys, time, types;"
    "snap = sys.argv[2] == 'snapstart';"
    "hooks = types.ModuleType('snapshot_restore_py');"
    "hooks.register_before_snapshot = lambda f, *a, **k: f(*a, **k) if snap else None;"
    "hooks.register_after_restore = lambda f, *a, **k: None;"
    "sys.modules['snapshot_restore_py'] = hooks;"
    "s = importlib.util.spec_from_file_location('app', sys.argv[1]);"
    "m = importlib.util.module_from_spec(s); s.loader.exec_module(m);"
    "from chat_core import wiring;"
    "start = time.perf_counter();"
    "wiring.idempotent_chat();"
    "import aws_lambda_powertools.utilities.idempotency;"
    "built = time.perf_counter();"
    "import chat_core.agent.model;"
    "print((built - start) * 1000, (time.perf_counter() - built) * 1000)"
)


def chat_first_request_ms(*, snapstart: bool) -> tuple[float, float]:
    """(ms to build the chat function's services on its first request, as deployed;
    ms the model client's import would add, were it not deferred)."""
    best = (float("inf"), float("inf"))
    for _ in range(RUNS):
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                FIRST_REQUEST,
                str(ROOT / "functions" / "chat" / "app.py"),
                "snapstart" if snapstart else "plain",
            ],
            capture_output=True,
            text=True,
            check=True,
            env=_env(traced=True, TURN_WORKER_FUNCTION="chat-turn-worker-dev"),
            timeout=120,
        )
        build, model = (float(x) for x in out.stdout.split())
        best = (min(best[0], build), min(best[1], model))
    return best


def main() -> None:
    rows = []
    for folder in sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists()):
        ms, openai = import_time_ms(folder)
        traced_ms, _ = import_time_ms(folder, traced=True)
        rows.append(
            {
                "function": folder,
                "import_ms_min_of_5": round(ms, 1),
                "import_ms_traced_min_of_5": round(traced_ms, 1),
                "imports_openai": openai,
            }
        )
    print_table(
        f"Handler import time, fresh interpreter, min of {RUNS} (python {sys.version.split()[0]})",
        rows,
    )
    plain_build, model_import = chat_first_request_ms(snapstart=False)
    snap_build, _ = chat_first_request_ms(snapstart=True)
    first_request = [
        {"chat function, first request": "as deployed", "set-up ms": round(plain_build, 1)},
        {
            "chat function, first request": "with the model client imported",
            "set-up ms": round(plain_build + model_import, 1),
        },
        {"chat function, first request": "with ChatSnapStart", "set-up ms": round(snap_build, 1)},
    ]
    print_table(
        f"The chat function's first request: its services' set-up, min of {RUNS}", first_request
    )
    write_json("cold_start", {"rows": rows, "chat_first_request": first_request})


if __name__ == "__main__":
    main()
