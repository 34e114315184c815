"""Summarises a `mutmut results --all true` listing into docs/mutation.md and a JSON file.

Usage (scripts/mutation.sh does it): python scripts/mutation_report.py results.txt
Each listed line is ``<module>.<function>__mutmut_<n>: <status>``; the report counts
statuses per module and lists the surviving mutants, which must be killed by a test or
explained (docs/mutation.md says which is which).
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^\s*(?P<name>[\w.ǁ]+__mutmut_\d+): (?P<status>[\w ]+)$")


def parse(text: str) -> list[tuple[str, str, str]]:
    """(module, mutant, status) of every listed mutant."""
    rows = []
    for line in text.splitlines():
        match = LINE.match(line)
        if not match:
            continue
        name = match.group("name")
        module = re.match(r"^(.*?)\.x[ǁ_]", name)
        rows.append((module.group(1) if module else name, name, match.group("status").strip()))
    return rows


def main() -> None:
    rows = parse(Path(sys.argv[1]).read_text())
    per_module: dict[str, Counter[str]] = defaultdict(Counter)
    survivors: dict[str, list[str]] = defaultdict(list)
    for module, name, status in rows:
        per_module[module][status] += 1
        if status == "survived":
            survivors[module].append(name)
    totals: Counter[str] = Counter(status for _, _, status in rows)
    tested = totals["killed"] + totals["survived"] + totals["timeout"]
    if not tested:
        # mutmut's baseline (the unmutated tests) failed or nothing ran: keep the last figures.
        sys.exit("mutation: no mutant was tested (see mutmut's output above); nothing written")
    score = round(100 * (totals["killed"] + totals["timeout"]) / tested, 1) if tested else 0.0
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mutants": len(rows),
        "statuses": dict(totals),
        "score_percent_of_tested": score,
        "per_module": {m: dict(c) for m, c in sorted(per_module.items())},
        "survivors": {m: names for m, names in sorted(survivors.items())},
    }
    out = ROOT / "benchmarks" / "results" / "mutation.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"mutants: {len(rows)}  statuses: {dict(totals)}  score: {score}% of tested")
    for module, counts in sorted(per_module.items()):
        print(f"  {module:55s} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
