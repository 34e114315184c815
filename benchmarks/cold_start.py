"""Cold-start proxy: each handler's import time in a fresh interpreter (min of 5).

Lambda's init phase is dominated by imports; `python -X importtime` measures them
without AWS. Usage: python -m benchmarks.cold_start
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


def import_time_ms(function: str) -> tuple[float, bool]:
    """Total import time of the handler module (sum of every module's self time)."""
    env = {
        "PYTHONPATH": str(ROOT / "layers" / "chat_core" / "python"),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
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


def main() -> None:
    rows = []
    for folder in sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists()):
        ms, openai = import_time_ms(folder)
        rows.append(
            {"function": folder, "import_ms_min_of_5": round(ms, 1), "imports_openai": openai}
        )
    print_table(
        f"Handler import time, fresh interpreter, min of {RUNS} (python {sys.version.split()[0]})",
        rows,
    )
    write_json("cold_start", {"rows": rows})


if __name__ == "__main__":
    main()
